// Scale-out with Node-RED (issue 18): two real Node-RED runtimes (their own
// user directories, so their own RocksDB directories under the same store
// path name) share a consumer group: topic-in (state store with a changelog)
// → cache update (running total per user) → topic-out. One is SIGKILLed
// mid-stream and a fresh one (a new user directory: no local state) starts:
// the state of every partition follows it. At-least-once: no user's final
// total is lower than exact (records after the last commit come again).
// Exactly-once: every total is exact and the output, read committed, holds
// each result once.
import fs from 'node:fs';
import should from 'should';
import { brokers, createTopic, uniqueTopic } from '../support/kafka';
import { nodeRedUserDir, type RunningNodeRed, startNodeRedEditor } from '../support/node-red-process';
import { committedAll, exactTotals, lowerThanExact, producePayments, readRecords, recordCount, stableGroup } from '../support/totals';
import { waitFor } from '../support/wait';

const RECORDS = 20_000;
/** Payments produced before the kill; the rest come after it. */
const FIRST_PART = Math.floor((RECORDS * 2) / 3);
const USERS = 500;
const PARTITIONS = 6;
type Guarantee = 'at-least-once' | 'exactly-once';

function flow(input: string, output: string, groupId: string, guarantee: Guarantee): object[] {
  return [
    { id: 'tab', type: 'tab', label: 'totals' },
    { id: 'broker', type: 'slipstream-kafka', brokers: brokers().join(','), clientId: 'scale-out', saslMechanism: 'none' },
    { id: 'store', type: 'slipstream-store', path: 'totals', preset: 'default', columnFamilies: '', changelog: true, changelogTopic: '' },
    { id: 'in', type: 'slipstream-topic-in', z: 'tab', broker: 'broker', topic: input, groupId, start: 'committed', codec: 'json', maxInFlight: '1000', onFailure: 'hold', store: 'store', processingGuarantee: guarantee, wires: [['total']] },
    { id: 'total', type: 'slipstream-cache', z: 'tab', store: 'store', operation: 'update', key: 'key', keyType: 'msg', value: 'payload', valueType: 'msg', func: 'return (oldValue ?? 0) + msg.payload.amount;', wires: [['out']] },
    // msg.key is the user, msg.payload its new total; msg.partition (the input's) is kept.
    { id: 'out', type: 'slipstream-topic-out', z: 'tab', broker: 'broker', topic: output, codec: 'json', acks: '-1', wires: [] },
  ];
}

describe('Scale-out with changelog stores: 2 Node-RED runtimes in one group (real broker, real processes)', function () {
  this.timeout(400_000);
  const running: RunningNodeRed[] = [];
  const userDirs: string[] = [];
  afterEach(async () => {
    await Promise.all(running.splice(0).map((red) => red.stop(0)));
    for (const dir of userDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const guarantee of ['at-least-once', 'exactly-once'] as const) {
    it(`one runtime SIGKILLed mid-stream and a fresh one started (${guarantee})`, async () => {
      const input = uniqueTopic('red-payments');
      const output = uniqueTopic('red-totals');
      const groupId = uniqueTopic('red-totals');
      await createTopic(input, PARTITIONS);
      await createTopic(output, PARTITIONS);
      const runtime = async (): Promise<RunningNodeRed> => {
        const dir = nodeRedUserDir(flow(input, output, groupId, guarantee), { logLevel: 'info' });
        userDirs.push(dir);
        const red = await startNodeRedEditor(dir);
        running.push(red);
        return red;
      };
      const [victim] = await Promise.all([runtime(), runtime()]);
      await stableGroup(groupId, 2);
      // The last third is produced only after the kill: the flow (one exactly-once commit a second) could otherwise finish first.
      await producePayments(input, FIRST_PART, USERS);
      // Mid-stream: a third of the results are out.
      await waitFor(async () => (await recordCount(output)) >= RECORDS / 3, 120_000, 'a third of the outputs', 100);
      should(await recordCount(output)).be.below(RECORDS, 'the kill came after the end of the stream');
      victim.child.kill('SIGKILL');
      await victim.stop(0);
      await producePayments(input, RECORDS, USERS, FIRST_PART);
      await runtime();
      // The killed member leaves the group when its session times out (kafkajs' default, 30 s).
      await committedAll(groupId, input, 300_000);
      await Promise.all(running.map((red) => red.stop()));
      const produced = await recordCount(output);
      should(produced).be.aboveOrEqual(RECORDS);
      const outputs = await readRecords(output);
      const totals = new Map(outputs.map(({ key, value }) => [key, value as number]));
      const exact = exactTotals(RECORDS, USERS);
      const lower = lowerThanExact(totals, exact);
      should(lower.length).equal(0, `${lower.length} users whose final total is lower than exact: ${lower.slice(0, 5).join(', ')}`);
      const above = [...exact].filter(([user, total]) => (totals.get(user) ?? 0) > total).length;
      if (guarantee === 'at-least-once') {
        // Replays after the kill are the only reason for a total above exact: most are exact.
        should(above).be.below(USERS);
        return;
      }
      should(above).equal(0, 'users whose final total is higher than exact');
      should(outputs).have.length(RECORDS);
      should(new Set(outputs.map(({ key, value }) => `${key}:${String(value)}`)).size).equal(RECORDS, 'a result was committed twice');
    });
  }
});
