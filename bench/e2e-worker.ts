// One Node.js contender of the end-to-end benchmark, run in a child process by
// bench/e2e.ts (so its peak RSS is its own):
//   node dist/bench/e2e-worker.js lib|kafkajs-consume|kafkajs-produce '<WorkerArgs JSON>'
// With `memory` set it also prints `MEMORY {…}` (a `MemorySample`) every second.
// The pipeline contender runs until it is stopped (the orchestrator watches the
// output topic); the ceilings print `RESULT {"msgsPerSec": …, "count": …}` and
// wait to be stopped.
import type * as Lib from '../lib';
import { bareConsume, benchKafka, fillTopic } from './support';
import { type InputValue, inputMessage, type MemorySample, type WorkerArgs } from './workload';

const MB = 1024 * 1024;
/** RocksDB's own memory, by the names of `MemorySample`. */
const ROCKSDB_PROPERTIES = {
  memtablesMb: 'rocksdb.cur-size-all-mem-tables',
  blockCacheMb: 'rocksdb.block-cache-usage',
  tableReadersMb: 'rocksdb.estimate-table-readers-mem',
} as const;

/** Print this process's memory every second; `cache` adds RocksDB's. */
function sampleMemory(cache?: Lib.Cache<unknown>): void {
  const start = Date.now();
  const timer = setInterval(async () => {
    const { rss, heapUsed, heapTotal, external, arrayBuffers } = process.memoryUsage();
    const sample: MemorySample = {
      s: Math.round((Date.now() - start) / 1000),
      rssMb: rss / MB,
      heapUsedMb: heapUsed / MB,
      heapTotalMb: heapTotal / MB,
      externalMb: external / MB,
      arrayBuffersMb: arrayBuffers / MB,
    };
    for (const [name, property] of Object.entries(ROCKSDB_PROPERTIES)) {
      const bytes = await cache?.propertyIntValue(property).catch(() => undefined);
      if (bytes !== undefined) sample[name as keyof typeof ROCKSDB_PROPERTIES] = bytes / MB;
    }
    process.stdout.write(`MEMORY ${JSON.stringify(sample, (_, v: unknown) => (typeof v === 'number' ? Math.round(v * 10) / 10 : v))}\n`);
  }, 1_000);
  timer.unref();
}

async function lib(args: WorkerArgs): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Cache, handle, JsonCodec, stream, Topic } = require(args.lib ?? '../lib') as typeof Lib;
  const input = new Topic<InputValue>(args.input, { brokers: args.brokers, groupId: args.groupId, fromBeginning: true }, { codec: new JsonCodec() });
  const output = new Topic(args.output, { brokers: args.brokers }, { codec: new JsonCodec() });
  const totals = new Cache<number>(args.db);
  if (args.memory) sampleMemory(totals as Lib.Cache<unknown>);
  handle(input, { sink: [output] })(async function sum(record: Lib.TopicRecord<InputValue>) {
    const { user, amount } = record.value;
    const total = await totals.transaction(user, async (cache) => {
      const next = ((await cache.get(user)) ?? 0) + amount;
      await cache.put(user, next);
      return next;
    });
    return [user, { user, total }];
  });
  await stream();
}

function report(result: object): void {
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

async function main(): Promise<void> {
  const [contender, json] = process.argv.slice(2);
  const args = JSON.parse(json) as WorkerArgs;
  const kafka = benchKafka(args.brokers, `slipstream-bench-${contender}`);
  if (args.memory && contender !== 'lib') sampleMemory();
  switch (contender) {
    case 'lib':
      return lib(args);
    case 'kafkajs-consume':
      return report({ msgsPerSec: await bareConsume(kafka, args.input, args.messages, args.groupId), count: args.messages });
    case 'kafkajs-produce': {
      const ms = await fillTopic(kafka, args.output, args.messages, inputMessage);
      return report({ msgsPerSec: args.messages / (ms / 1000), count: args.messages });
    }
    default:
      throw new Error(`unknown contender ${contender}`);
  }
}

// Stopped by SIGINT: exit normally, so that --cpu-prof writes its profile.
process.on('SIGINT', () => process.exit(0));
const keepAlive = setInterval(() => undefined, 60_000);
main().then(
  () => undefined,
  (error: unknown) => {
    clearInterval(keepAlive);
    console.error(error);
    process.exit(1);
  },
);
