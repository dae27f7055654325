// One Node.js contender of the end-to-end benchmark, run in a child process by
// bench/e2e.ts (so its peak RSS is its own):
//   node dist/bench/e2e-worker.js lib|lib-changelog|lib-exactly-once|kafkajs-consume|kafkajs-produce '<WorkerArgs JSON>'
// The pipeline contenders run until they are stopped (the orchestrator watches
// the output topic or the group's committed offsets); the ceilings print
// `RESULT {"msgsPerSec": …, "count": …}` and wait to be stopped. With `memory`
// set a contender also prints `MEMORY {…}` (a `MemorySample`) every second.
import path from 'node:path';
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

/**
 * How the pipeline keeps its state: in a local cache (`lib`), in a changelog
 * cache (`lib-changelog`, also each process of `lib-x2`), or in a changelog
 * cache with exactly-once processing (`lib-exactly-once`).
 */
type Pipeline = 'lib' | 'lib-changelog' | 'lib-exactly-once';
/** Input records the pipeline handled, printed when it is stopped (lib-x2 shows how its processes shared the work). */
let handled: number | undefined;

async function lib(args: WorkerArgs, pipeline: Pipeline): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Cache, handle, JsonCodec, stream, Topic } = require(args.lib ?? '../lib') as typeof Lib;
  // Only exactly-once sets processingGuarantee: `lib@baseline` may be a build that does not know the key.
  const exactlyOnce = pipeline === 'lib-exactly-once' ? { processingGuarantee: 'exactly-once' as const } : {};
  const input = new Topic<InputValue>(args.input, { brokers: args.brokers, groupId: args.groupId, fromBeginning: true, ...exactlyOnce }, { codec: new JsonCodec() });
  const output = new Topic(args.output, { brokers: args.brokers }, { codec: new JsonCodec() });
  // A changelog cache's topic is named after the group and the directory's name: `totals` in every process of a group.
  const totals = pipeline === 'lib' ? new Cache<number>(args.db) : new Cache<number>(path.join(args.db, 'totals'), { changelog: { source: input } });
  handled = 0;
  if (args.memory) sampleMemory(totals as Lib.Cache<unknown>);
  handle(input, { sink: [output] })(async function sum(record: Lib.TopicRecord<InputValue>) {
    handled = (handled ?? 0) + 1;
    const { user, amount } = record.value;
    const total = await totals.transaction(user, async (cache) => {
      const next = ((await cache.get(user)) ?? 0) + amount;
      await cache.put(user, next);
      return next;
    });
    return [user, { user, total }];
  });
  if (args.members) input.pause();
  const streaming = stream();
  if (args.members) {
    await groupMembers(args, args.members);
    input.resume();
  }
  await streaming;
}

/**
 * Until the group of `args` is stable with `members` members. The processes
 * of `lib-x2` wait for each other with their input paused: the run then
 * measures them sharing the partitions rather than a rebalance in the middle
 * of the work, in which records handled but not yet committed are handled
 * again (at-least-once) and their amounts counted twice.
 */
async function groupMembers(args: WorkerArgs, members: number): Promise<void> {
  const admin = benchKafka(args.brokers, 'slipstream-bench-members').admin();
  await admin.connect();
  try {
    for (;;) {
      const [group] = (await admin.describeGroups([args.groupId])).groups;
      if (group?.state === 'Stable' && group.members.length === members) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await admin.disconnect();
  }
}

function report(result: object): void {
  process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

async function main(): Promise<void> {
  const [contender, json] = process.argv.slice(2);
  const args = JSON.parse(json) as WorkerArgs;
  const kafka = benchKafka(args.brokers, `slipstream-bench-${contender}`);
  if (args.memory && !contender.startsWith('lib')) sampleMemory();
  switch (contender) {
    case 'lib':
    case 'lib-changelog':
    case 'lib-exactly-once':
      return lib(args, contender);
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
process.on('SIGINT', () => {
  if (handled === undefined) process.exit(0);
  else process.stdout.write(`HANDLED ${handled}\n`, () => process.exit(0));
});
const keepAlive = setInterval(() => undefined, 60_000);
main().then(
  () => undefined,
  (error: unknown) => {
    clearInterval(keepAlive);
    console.error(error);
    process.exit(1);
  },
);
