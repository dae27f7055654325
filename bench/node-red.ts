// Consume throughput of slipstream-topic-in → a no-op function node in a real
// Node-RED runtime (at-least-once completion tracking included), beside a bare
// kafkajs eachBatch consumer over the same topic. 3 runs, medians.
//   KAFKA_BROKERS=$(node scripts/kafka start | tail -1) node dist/bench/node-red.js [messages]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { nodeRedUserDir, startNodeRed } from '../test/support/node-red-process';
import { bareConsume, benchKafka, brokersFromEnv, fillTopic, median, runBench, writeResults } from './support';

const MESSAGES = Number(process.argv[2] ?? 100_000);
const REPEATS = 3;
const brokers = brokersFromEnv();
const kafka = benchKafka(brokers);

function fill(topic: string): Promise<number> {
  return fillTopic(kafka, topic, MESSAGES, (i) => ({ key: `u${i % 1000}`, value: JSON.stringify({ i, amount: i % 1000 }) }));
}

/** msgs/s from the first to the last message seen by a no-op function node. */
async function nodeRedRun(topic: string): Promise<number> {
  const marks = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'slipstream-bench-')), 'marks');
  const func = `const n = (context.get('n') || 0) + 1; context.set('n', n);
if (n === 1 || n === ${MESSAGES}) global.get('fs').appendFileSync(${JSON.stringify(marks)}, Date.now() + '\\n');
return null;`;
  const dir = nodeRedUserDir([
    { id: 'tab', type: 'tab', label: 'bench' },
    { id: 'broker', type: 'slipstream-kafka', brokers: brokers.join(','), saslMechanism: 'none' },
    { id: 'in', z: 'tab', type: 'slipstream-topic-in', broker: 'broker', topic, groupId: `${topic}-red`, start: 'committed', codec: 'json', maxInFlight: '100', x: 100, y: 100, wires: [['noop']] },
    { id: 'noop', z: 'tab', type: 'function', func, outputs: 1, x: 300, y: 100, wires: [[]] },
  ]);
  const red = startNodeRed(dir);
  try {
    const deadline = Date.now() + 600_000;
    for (;;) {
      const lines = fs.existsSync(marks) ? fs.readFileSync(marks, 'utf8').trim().split('\n') : [];
      if (lines.length === 2) return MESSAGES / ((Number(lines[1]) - Number(lines[0])) / 1000);
      if (Date.now() > deadline) throw new Error('Node-RED did not consume every message in time');
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    red.kill('SIGKILL');
  }
}

async function main(): Promise<void> {
  const red: number[] = [];
  const bare: number[] = [];
  for (let run = 0; run < REPEATS; run++) {
    const topic = `bench-red-${Date.now().toString(36)}-${run}`;
    await fill(topic);
    red.push(await nodeRedRun(topic));
    bare.push(await bareConsume(kafka, topic, MESSAGES));
  }
  const ratio = median(red) / median(bare);
  console.log(`node-red: ${MESSAGES.toLocaleString('en')} messages, 1 partition, median of ${REPEATS} runs, Node ${process.version}`);
  console.table({
    'topic-in → no-op function (Node-RED)': { 'median msgs/s': Math.round(median(red)), runs: red.map(Math.round).join(' / ') },
    'kafkajs eachBatch (ceiling)': { 'median msgs/s': Math.round(median(bare)), runs: bare.map(Math.round).join(' / ') },
  });
  console.log(`Node-RED / bare = ${ratio.toFixed(2)}`);
  writeResults('node-red', { messages: MESSAGES, repeats: REPEATS, nodeRedMsgsPerSec: red, bareMsgsPerSec: bare, ratio });
}

runBench(main);
