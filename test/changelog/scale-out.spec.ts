// Scale-out (issue 18): several processes in one consumer group, each with its
// own RocksDB directory, keep running totals in a changelog cache. One is
// SIGKILLed mid-stream and a fresh one (empty directory) joins: the state of
// every partition follows it, so no user's final total is lower than exact
// (at-least-once: records after the last commit are handled again).
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import should from 'should';
import { removeTempDirs, tempDir } from '../cache/helpers';
import { createTopic, kafka, uniqueTopic } from '../support/kafka';
import { sleep } from '../support/wait';

const instanceScript = path.join(__dirname, 'fixtures', 'totals-instance.js');
const RECORDS = 100_000;
const USERS = 1_000;
const PARTITIONS = 6;

const amountOf = (i: number): number => 1 + (i % 97);

function startInstance(args: object): ChildProcess {
  return spawn(process.execPath, [instanceScript, JSON.stringify(args)], { stdio: ['ignore', 'inherit', 'inherit'] });
}

function exited(proc: ChildProcess): Promise<void> {
  return proc.exitCode !== null || proc.signalCode !== null ? Promise.resolve() : new Promise((resolve) => proc.once('exit', () => resolve()));
}

async function produceInput(topic: string): Promise<void> {
  const producer = kafka().producer();
  await producer.connect();
  for (let start = 0; start < RECORDS; start += 10_000) {
    const messages = Array.from({ length: 10_000 }, (_, j) => {
      const i = start + j;
      return { key: `u${i % USERS}`, value: JSON.stringify({ user: `u${i % USERS}`, amount: amountOf(i) }) };
    });
    await producer.send({ topic, messages });
  }
  await producer.disconnect();
}

async function endOffsets(topic: string): Promise<Map<number, number>> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    return new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, Number(o.high)]));
  } finally {
    await admin.disconnect();
  }
}

async function committedOffsets(groupId: string, topic: string): Promise<Map<number, number>> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map(offsets.partitions.map((p) => [p.partition, Number(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}

async function stableGroup(groupId: string, members: number): Promise<void> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const [group] = (await admin.describeGroups([groupId])).groups;
      if (group?.state === 'Stable' && group.members.length === members) return;
      if (Date.now() > deadline) throw new Error(`group ${groupId} did not become stable with ${members} members: ${group?.state}, ${group?.members.length}`);
      await sleep(200);
    }
  } finally {
    await admin.disconnect();
  }
}

/** The last `{ user, total }` of each user in `topic` (which holds `count` records). */
async function lastTotals(topic: string, count: number): Promise<Map<string, number>> {
  const consumer = kafka().consumer({ groupId: uniqueTopic('reader') });
  const last = new Map<string, { offset: number; total: number }>();
  let seen = 0;
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message }) => {
        const { user, total } = JSON.parse(String(message.value)) as { user: string; total: number };
        last.set(user, { offset: Number(message.offset), total });
        if (++seen >= count) resolve();
      },
    });
  });
  await consumer.disconnect();
  return new Map([...last].map(([user, { total }]) => [user, total]));
}

describe('Scale-out with changelog caches (real broker, several processes)', function () {
  this.timeout(300_000);
  const running: ChildProcess[] = [];
  afterEach(async () => {
    for (const proc of running.splice(0)) proc.kill('SIGKILL');
    removeTempDirs();
  });

  it('3 processes, one SIGKILLed and a fresh one started: every total at least exact (at-least-once)', async () => {
    const input = uniqueTopic('payments');
    const output = uniqueTopic('totals-out');
    const groupId = uniqueTopic('totals');
    await createTopic(input, PARTITIONS);
    await createTopic(output, PARTITIONS);
    const instance = (): ChildProcess => {
      const proc = startInstance({ input, output, groupId, stateDir: path.join(tempDir(), 'totals') });
      running.push(proc);
      return proc;
    };
    const [victim] = [instance(), instance(), instance()];
    // The records come once the three share the partitions: each handles some.
    await stableGroup(groupId, 3);
    await produceInput(input);
    // Mid-stream: a third of the results are out.
    for (;;) {
      const produced = [...(await endOffsets(output)).values()].reduce((a, b) => a + b, 0);
      if (produced >= RECORDS / 3) break;
      await sleep(200);
    }
    victim.kill('SIGKILL');
    await exited(victim);
    instance();
    const ends = await endOffsets(input);
    const deadline = Date.now() + 240_000;
    for (;;) {
      const committed = await committedOffsets(groupId, input);
      if ([...ends].every(([p, end]) => committed.get(p) === end)) break;
      if (Date.now() > deadline) throw new Error(`the group did not commit every record: ${JSON.stringify([...committed])}`);
      await sleep(500);
    }
    for (const proc of running) proc.kill('SIGTERM');
    await Promise.all(running.map(exited));
    const produced = [...(await endOffsets(output)).values()].reduce((a, b) => a + b, 0);
    should(produced).be.aboveOrEqual(RECORDS);
    const totals = await lastTotals(output, produced);
    const exact = new Map<string, number>();
    for (let i = 0; i < RECORDS; i++) exact.set(`u${i % USERS}`, (exact.get(`u${i % USERS}`) ?? 0) + amountOf(i));
    const lower = [...exact].filter(([user, total]) => (totals.get(user) ?? 0) < total);
    should(lower.length).equal(0, `${lower.length} users whose final total is lower than exact: ${lower.slice(0, 5).map(([u, t]) => `${u} ${totals.get(u)} < ${t}`).join(', ')}`);
    // Replays after the kill are the only reason for a total above exact: most are exact.
    const above = [...exact].filter(([user, total]) => (totals.get(user) ?? 0) > total).length;
    should(above).be.below(USERS);
  });
});
