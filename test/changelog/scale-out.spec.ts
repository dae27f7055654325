// Scale-out (issue 18): several processes in one consumer group, each with its
// own RocksDB directory, keep running totals in a changelog cache. One is
// SIGKILLed mid-stream and a fresh one (empty directory) joins: the state of
// every partition follows it. At-least-once: no user's final total is lower
// than exact (records after the last commit are handled again). Exactly-once:
// every total is exact, and the output read committed holds each result once.
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

/** Every `{ user, total }` of `topic` in partition order, read committed (aborted transactions skipped). */
async function readOutputs(topic: string): Promise<Array<{ user: string; total: number }>> {
  const ends = await endOffsets(topic);
  const consumer = kafka().consumer({ groupId: uniqueTopic('reader') });
  const outputs: Array<{ user: string; total: number }> = [];
  const reached = new Set<number>([...ends].filter(([, end]) => end === 0).map(([p]) => p));
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await new Promise<void>((resolve) => {
    if (reached.size === ends.size) resolve();
    // Batches of aborted records or markers only reach this event, not eachMessage.
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      if (Number(payload.lastOffset) + 1 >= (ends.get(payload.partition) ?? 0)) reached.add(payload.partition);
      if (reached.size === ends.size) resolve();
    });
    void consumer.run({
      eachMessage: async ({ message }) => {
        outputs.push(JSON.parse(String(message.value)) as { user: string; total: number });
      },
    });
  });
  await consumer.disconnect();
  return outputs;
}

describe('Scale-out with changelog caches (real broker, several processes)', function () {
  this.timeout(300_000);
  const running: ChildProcess[] = [];
  afterEach(async () => {
    for (const proc of running.splice(0)) proc.kill('SIGKILL');
    removeTempDirs();
  });

  for (const guarantee of ['at-least-once', 'exactly-once'] as const) {
    it(`3 processes, one SIGKILLed and a fresh one started (${guarantee})`, async () => {
      const input = uniqueTopic('payments');
      const output = uniqueTopic('totals-out');
      const groupId = uniqueTopic('totals');
      await createTopic(input, PARTITIONS);
      await createTopic(output, PARTITIONS);
      const instance = (): ChildProcess => {
        const proc = startInstance({ input, output, groupId, guarantee, stateDir: path.join(tempDir(), 'totals') });
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
      const outputs = await readOutputs(output);
      const totals = new Map(outputs.map(({ user, total }) => [user, total])); // the last per user (one partition per user)
      const exact = new Map<string, number>();
      for (let i = 0; i < RECORDS; i++) exact.set(`u${i % USERS}`, (exact.get(`u${i % USERS}`) ?? 0) + amountOf(i));
      const lower = [...exact].filter(([user, total]) => (totals.get(user) ?? 0) < total);
      should(lower.length).equal(0, `${lower.length} users whose final total is lower than exact: ${lower.slice(0, 5).map(([u, t]) => `${u} ${totals.get(u)} < ${t}`).join(', ')}`);
      if (guarantee === 'at-least-once') {
        should(outputs.length).be.aboveOrEqual(RECORDS);
        return;
      }
      const higher = [...exact].filter(([user, total]) => (totals.get(user) ?? 0) > total);
      should(higher.length).equal(0, `${higher.length} users whose final total is higher than exact: ${higher.slice(0, 5).map(([u, t]) => `${u} ${totals.get(u)} > ${t}`).join(', ')}`);
      const results = outputs.map(({ user, total }) => `${user}:${total}`);
      should(new Set(results).size).equal(results.length, 'a result was committed twice');
      should(outputs.length).equal(RECORDS);
    });
  }
});
