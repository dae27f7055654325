// The scale-out tests' workload (issue 18): payments keyed by user on a
// partitioned topic, running totals per user produced to an output topic,
// and what the tests read back from the broker to judge them.
import type { GroupDescription } from 'kafkajs';
import { kafka, uniqueTopic } from './kafka';
import { waitFor } from './wait';

/** Payment `i` is made by user u(i % users) and pays `amountOf(i)`. */
export const amountOf = (i: number): number => 1 + (i % 97);
export const userOf = (i: number, users: number): string => `u${i % users}`;

/** Produces payments from … records - 1 (from 0 by default) as JSON `{ user, amount }`, keyed by user. */
export async function producePayments(topic: string, records: number, users: number, from = 0): Promise<void> {
  const producer = kafka().producer();
  await producer.connect();
  for (let start = from; start < records; start += 10_000) {
    const messages = Array.from({ length: Math.min(10_000, records - start) }, (_, j) => {
      const i = start + j;
      return { key: userOf(i, users), value: JSON.stringify({ user: userOf(i, users), amount: amountOf(i) }) };
    });
    await producer.send({ topic, messages });
  }
  await producer.disconnect();
}

/** Each user's exact total over payments 0 … records - 1. */
export function exactTotals(records: number, users: number): Map<string, number> {
  const exact = new Map<string, number>();
  for (let i = 0; i < records; i++) exact.set(userOf(i, users), (exact.get(userOf(i, users)) ?? 0) + amountOf(i));
  return exact;
}

/** The end offset of each partition as the admin gives it: the last stable offset, which an open transaction holds back. */
export async function endOffsets(topic: string): Promise<Map<number, number>> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]));
  } finally {
    await admin.disconnect();
  }
}

/** How many records `topic` holds that read-committed readers can see (the sum of its partitions' last stable offsets). */
export async function recordCount(topic: string): Promise<number> {
  return [...(await endOffsets(topic)).values()].reduce((a, b) => a + b, 0);
}

export async function committedOffsets(groupId: string, topic: string): Promise<Map<number, number>> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map(offsets.partitions.map((p) => [p.partition, Number(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}

/** Until group `groupId` has committed every record of `topic` (rejects after `ms`). */
export async function committedAll(groupId: string, topic: string, ms: number): Promise<void> {
  const ends = await endOffsets(topic);
  let committed = new Map<number, number>();
  const all = async (): Promise<boolean> => {
    committed = await committedOffsets(groupId, topic);
    return [...ends].every(([p, end]) => committed.get(p) === end);
  };
  await waitFor(all, ms, () => `the group to commit every record (committed: ${JSON.stringify([...committed])})`, 500);
}

/** Until group `groupId` is stable with `members` members. */
export async function stableGroup(groupId: string, members: number, ms = 60_000): Promise<void> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    let group: GroupDescription | undefined;
    const stable = async (): Promise<boolean> => {
      [group] = (await admin.describeGroups([groupId])).groups;
      return group?.state === 'Stable' && group.members.length === members;
    };
    await waitFor(stable, ms, () => `group ${groupId} to be stable with ${members} members (${group?.state}, ${group?.members.length})`, 200);
  } finally {
    await admin.disconnect();
  }
}

/**
 * Every record of `topic` from its start, read committed (records of aborted
 * transactions skipped), values parsed as JSON: up to a marker record
 * written now to each partition outside any transaction, and left out. Read
 * committed, a marker is only reached once every transaction open before it
 * has ended (a SIGKILLed producer's when the broker times it out), so no
 * committed record is missed. The admin's end offsets would not do: they are
 * the last stable offsets, which such an open transaction holds back.
 */
export async function readRecords(topic: string): Promise<Array<{ key: string; value: unknown }>> {
  const markers = await writeEndMarkers(topic);
  const consumer = kafka().consumer({ groupId: uniqueTopic('reader') });
  const records: Array<{ key: string; value: unknown }> = [];
  const reached = new Set<number>();
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        const marker = markers.get(partition) as number;
        if (Number(message.offset) < marker) records.push({ key: String(message.key), value: JSON.parse(String(message.value)) });
        else if (reached.add(partition).size === markers.size) resolve();
      },
    });
  });
  await consumer.disconnect();
  return records;
}

/** Writes an empty record to each partition of `topic`; their offsets by partition. */
async function writeEndMarkers(topic: string): Promise<Map<number, number>> {
  const partitions = [...(await endOffsets(topic)).keys()];
  const producer = kafka().producer();
  await producer.connect();
  try {
    const written = await producer.send({ topic, acks: -1, messages: partitions.map((partition) => ({ partition, key: 'end-marker', value: null })) });
    return new Map(
      written.map(({ partition, baseOffset }) => {
        if (baseOffset === undefined) throw new Error(`no offset for the end marker of ${topic} partition ${partition}`);
        return [partition, Number(baseOffset)];
      }),
    );
  } finally {
    await producer.disconnect();
  }
}

/** The users whose final total is lower than exact, as text (empty when none is). */
export function lowerThanExact(totals: Map<string, number>, exact: Map<string, number>): string[] {
  return [...exact].filter(([user, total]) => (totals.get(user) ?? 0) < total).map(([user, total]) => `${user} ${totals.get(user)} < ${total}`);
}
