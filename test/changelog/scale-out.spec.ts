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
import { createTopic, uniqueTopic } from '../support/kafka';
import { committedAll, exactTotals, lowerThanExact, producePayments, readRecords, recordCount, stableGroup } from '../support/totals';
import { waitFor } from '../support/wait';

const instanceScript = path.join(__dirname, 'fixtures', 'totals-instance.js');
const RECORDS = 100_000;
const USERS = 1_000;
const PARTITIONS = 6;

function startInstance(args: object): ChildProcess {
  return spawn(process.execPath, [instanceScript, JSON.stringify(args)], { stdio: ['ignore', 'inherit', 'inherit'] });
}

function exited(proc: ChildProcess): Promise<void> {
  return proc.exitCode !== null || proc.signalCode !== null ? Promise.resolve() : new Promise((resolve) => proc.once('exit', () => resolve()));
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
      await producePayments(input, RECORDS, USERS);
      // Mid-stream: a third of the results are out.
      await waitFor(async () => (await recordCount(output)) >= RECORDS / 3, 120_000, 'a third of the outputs', 200);
      victim.kill('SIGKILL');
      await exited(victim);
      instance();
      await committedAll(groupId, input, 240_000);
      for (const proc of running) proc.kill('SIGTERM');
      await Promise.all(running.map(exited));
      const outputs = (await readRecords(output)).map(({ value }) => value as { user: string; total: number });
      const totals = new Map(outputs.map(({ user, total }) => [user, total])); // the last per user (one partition per user)
      const exact = exactTotals(RECORDS, USERS);
      const lower = lowerThanExact(totals, exact);
      should(lower).have.length(0, `${lower.length} users whose final total is lower than exact: ${lower.slice(0, 5).join(', ')}`);
      if (guarantee === 'at-least-once') {
        should(outputs.length).be.aboveOrEqual(RECORDS);
        return;
      }
      const higher = [...exact].filter(([user, total]) => (totals.get(user) ?? 0) > total);
      should(higher).have.length(0, `${higher.length} users whose final total is higher than exact: ${higher.slice(0, 5).map(([u, t]) => `${u} ${totals.get(u)} > ${t}`).join(', ')}`);
      const results = outputs.map(({ user, total }) => `${user}:${total}`);
      should(new Set(results).size).equal(results.length, 'a result was committed twice');
      should(outputs.length).equal(RECORDS);
    });
  }
});
