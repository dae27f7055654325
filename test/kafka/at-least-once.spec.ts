import should from 'should';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { Conf } from '../../lib';
import { Topic } from '../../lib/topic';
import { brokers, uniqueTopic } from '../support/kafka';
import { committedOffsets } from '../support/totals';

const child = path.join(__dirname, 'fixtures', 'slow-consumer.js');

/**
 * Run the slow consumer; collect what it printed; SIGKILL it once it printed `killAfter` values
 * and its group committed an offset (the kill must come after a commit, whatever the machine's pace).
 */
function runConsumer(topic: string, group: string, last: string, killAfter?: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, topic, group, last], { stdio: ['ignore', 'pipe', 'inherit'] });
    const seen: string[] = [];
    let buffered = '';
    let killing = false;
    const killOnceCommitted = async (): Promise<void> => {
      while (proc.exitCode === null && proc.signalCode === null && !((await committedOffsets(group, topic)).get(0)! > 0)) {
        await new Promise((wait) => setTimeout(wait, 50));
      }
      proc.kill('SIGKILL');
    };
    proc.stdout.on('data', (chunk: Buffer) => {
      const lines = (buffered + chunk.toString()).split('\n');
      buffered = lines.pop() ?? '';
      seen.push(...lines);
      if (killAfter !== undefined && seen.length >= killAfter && !killing) {
        killing = true;
        killOnceCommitted().catch(reject);
      }
    });
    proc.on('error', reject);
    proc.on('exit', (code, signal) => {
      if (killAfter === undefined && code !== 0) reject(new Error(`consumer exited with ${code ?? signal}`));
      else resolve(seen);
    });
  });
}

describe('Topic delivery at-least-once across a crash', function () {
  this.timeout(180_000);
  after(() => Conf.reset());

  it('loses no record when the consumer process is SIGKILLed mid-stream and restarted', async () => {
    const name = uniqueTopic('alo');
    const group = uniqueTopic('alo-group');
    const n = 2_000;
    const writer = new Topic(name, { brokers: brokers() });
    try {
      const producer = await writer.getProducer();
      const values = Array.from({ length: n }, (_, i) => String(i));
      await producer.send({ topic: name, messages: values.map((value) => ({ value })) });
    } finally {
      await writer.exitHook();
    }
    const first = await runConsumer(name, group, String(n - 1), 500);
    should(first.length).be.within(500, n - 1);
    const second = await runConsumer(name, group, String(n - 1));
    const union = new Set([...first, ...second]);
    should(union.size).equal(n);
    // Commits happened before the crash: the restart did not begin from scratch.
    should(Number(second[0])).be.above(0);
    // Each record printed by the restarted consumer comes after the first's last commit, in order.
    should(second.map(Number)).eql(Array.from({ length: second.length }, (_, i) => Number(second[0]) + i));
  });
});
