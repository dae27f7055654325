import should from 'should';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { brokers, uniqueTopic } from '../support/kafka';
import { nodeRedUserDir, startNodeRed } from '../support/node-red-process';
import { waitFor } from '../support/wait';

/** A topic-in → slow function flow that appends each payload to `processed`. */
function crashFlow(topic: string, processed: string): object[] {
  return [
    { id: 'tab', type: 'tab', label: 'crash' },
    { id: 'broker', type: 'slipstream-kafka', brokers: brokers().join(','), saslMechanism: 'none' },
    { id: 'in', z: 'tab', type: 'slipstream-topic-in', broker: 'broker', topic, groupId: `${topic}-group`, start: 'committed', codec: 'string', maxInFlight: '2', x: 100, y: 100, wires: [['slow']] },
    {
      id: 'slow', z: 'tab', type: 'function', x: 300, y: 100, wires: [[]], outputs: 1,
      func: `await new Promise((r) => setTimeout(r, 3));\nglobal.get('fs').appendFileSync(${JSON.stringify(processed)}, msg.payload + '\\n');\nreturn null;`,
    },
  ];
}

function lines(file: string): string[] {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}

describe('slipstream-topic-in in a real Node-RED process killed mid-stream', function () {
  this.timeout(240_000);
  const children: ChildProcess[] = [];
  after(() => children.forEach((c) => c.kill('SIGKILL')));

  it('loses no record: a restarted runtime picks up from the committed offsets', async () => {
    const topic = uniqueTopic('crash');
    const n = 2_000;
    const kafka = new Kafka({ brokers: brokers(), logLevel: logLevel.NOTHING });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: n }, (_, i) => ({ value: String(i) })) });
    await producer.disconnect();

    const processed = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'slipstream-out-')), 'processed.txt');
    const dir = nodeRedUserDir(crashFlow(topic, processed));

    const first = startNodeRed(dir);
    children.push(first);
    await waitFor(() => lines(processed).length >= 800, 120_000, 'the first runtime to process 800 records', 100);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const beforeCrash = new Set(lines(processed));
    should(beforeCrash.size).be.below(n);

    const second = startNodeRed(dir);
    children.push(second);
    await waitFor(() => new Set(lines(processed)).size === n, 180_000, 'every record to be processed', 100);
    second.kill('SIGTERM');
    const all = lines(processed);
    const redelivered = all.length - n;
    // Commits happened before the crash: the restart did not start from scratch.
    should(redelivered).be.below(beforeCrash.size);
  });
});
