// Kafka throughput on the local broker: produce N ~100-byte JSON messages,
// then consume them through `handle(topic)` with a no-op handler, and with a
// bare kafkajs `eachBatch` consumer as the ceiling. Interleaved, 3 repeats,
// medians; every run must see all N messages.
//   KAFKA_BROKERS=$(node scripts/kafka start | tail -1) node dist/bench/kafka.js [messages]
import { Conf, handle, JsonCodec, stream } from '../lib';
import { Topic } from '../lib/topic';
import { bareConsume, benchKafka, brokersFromEnv, createTopic, fillTopic, median, runBench, writeResults } from './support';

const MESSAGES = Number(process.argv[2] ?? 200_000);
const REPEATS = 3;
const PARTITIONS = 6;
const brokers = brokersFromEnv();
const kafka = benchKafka(brokers);

function payload(i: number): string {
  return JSON.stringify({ user: `u${i % 10_000}`, amount: i % 1000, ts: 1_700_000_000_000 + i, pad: 'x'.repeat(30) });
}

/** Produce N messages in batches of 1,000 to a new topic; returns elapsed ms. */
async function produce(topic: string): Promise<number> {
  await createTopic(kafka, topic, PARTITIONS);
  return fillTopic(kafka, topic, MESSAGES, (i) => ({ key: `u${i % 10_000}`, value: payload(i) }));
}

/** handle(topic) with a JSON codec and a no-op handler. */
async function slipstreamConsume(topic: string): Promise<number> {
  Conf.reset();
  const source = new Topic(topic, { brokers, groupId: `bench-slipstream-${topic}`, fromBeginning: true }, { codec: new JsonCodec() });
  let seen = 0;
  let start = 0;
  handle(source)(function noop() {
    if (start === 0) start = performance.now();
    if (++seen === MESSAGES) setImmediate(() => void source.exitHook());
  });
  await stream();
  if (seen !== MESSAGES) throw new Error(`slipstream consumer saw ${seen} of ${MESSAGES}`);
  return performance.now() - start;
}

async function main(): Promise<void> {
  const rates: Record<string, number[]> = { 'kafkajs produce (batches of 1,000)': [], 'kafkajs eachBatch consume': [], 'handle(topic) consume': [] };
  const [produceRates, bareRates, libRates] = Object.values(rates);
  for (let run = 0; run < REPEATS; run++) {
    const topic = `bench-kafka-${Date.now().toString(36)}-${run}`;
    produceRates.push(MESSAGES / ((await produce(topic)) / 1000));
    // Alternate which consumer goes first, so neither always gets a warmer broker cache.
    const bare = async (): Promise<void> => void bareRates.push(await bareConsume(kafka, topic, MESSAGES));
    const lib = async (): Promise<void> => void libRates.push(MESSAGES / ((await slipstreamConsume(topic)) / 1000));
    for (const consume of run % 2 === 0 ? [bare, lib] : [lib, bare]) await consume();
  }
  const rows = Object.entries(rates).map(([variant, values]) => ({
    variant,
    medianMsgsPerSec: Math.round(median(values)),
    msgsPerSec: values.map(Math.round),
  }));
  const ratio = median(libRates) / median(bareRates);
  console.log(`kafka: ${MESSAGES.toLocaleString('en')} messages, ${PARTITIONS} partitions, median of ${REPEATS} interleaved runs, Node ${process.version}`);
  console.table(Object.fromEntries(rows.map((r) => [r.variant, { 'median msgs/s': r.medianMsgsPerSec, runs: r.msgsPerSec.join(' / ') }])));
  console.log(`handle(topic) / bare eachBatch = ${ratio.toFixed(2)}`);
  writeResults('kafka', { messages: MESSAGES, partitions: PARTITIONS, repeats: REPEATS, rows, ratio });
}

runBench(main);
