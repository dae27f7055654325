// End-to-end throughput (issue 10): a stateful pipeline on Kafka — consume
// {user, amount, ts}, keep a running total per user in RocksDB under the key's
// transaction, produce {user, total} keyed by user — run by
//   lib                handle(topic, { sink: [outTopic] }) with Cache.transaction
//   node-red           topic-in → cache update → topic-out in a real headless Node-RED
//   python-slipstream  the Python original (bench/python/pipeline.py)
//   kafka-streams      Kafka Streams, groupByKey().aggregate() (bench/kafka-streams)
//   quix-streams       Quix Streams, apply(stateful=True) (bench/python/quix_pipeline.py)
// beside the kafkajs ceilings (a bare eachBatch consumer over the input, a bare
// producer writing N). Scale-out contenders (issue 18), only when named in --only:
//   lib-changelog      lib with the totals in a changelog cache (at-least-once)
//   lib-exactly-once   the same with processingGuarantee 'exactly-once'
//   lib-x2             two lib-changelog processes in one consumer group
// Each contender runs in a child process (lib-x2: two), R times,
// interleaved; every run's output is checked. `npm run bench` sets up what this
// needs (scripts/bench.js: the Python venv, the Kafka Streams build) and runs it:
//   node dist/bench/e2e.js [--messages N] [--runs R] [--only lib,node-red,lib-x2,…]
//        [--python bench/python/.venv/bin/python] [--baseline <package root>] [--prof-dir <dir>] [--memory]
// --memory: the contenders run by e2e-worker (lib…, the kafkajs ceilings) report
// their memory every second (process.memoryUsage(), and RocksDB's for lib…);
// printed per run and kept in the results file.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Admin, Kafka, KafkaMessage } from 'kafkajs';
import { nodeRedUserDir, startNodeRed } from '../test/support/node-red-process';
import {
  benchKafka,
  brokersFromEnv,
  committedCount,
  cpuSeconds,
  createTopic,
  fillTopic,
  median,
  type PairedRatio,
  pairedRatio,
  peakRssMb,
  readToEnd,
  resultsPath,
  runBench,
  topicSize,
} from './support';
import { expectedTotals, inputMessage, type MemorySample, type OutputValue, PARTITIONS, USERS, type WorkerArgs } from './workload';

const ROOT = path.resolve(__dirname, '..', '..');
const CONTENDERS = ['lib', 'node-red', 'python-slipstream', 'kafka-streams', 'quix-streams', 'kafkajs-consume', 'kafkajs-produce'] as const;
/**
 * The scale-out contenders (issue 18), run only when named in --only: `lib`
 * with its totals in a changelog cache, the same exactly-once, and two
 * processes of `lib-changelog` in one group.
 */
const SCALE_OUT = ['lib-changelog', 'lib-exactly-once', 'lib-x2'] as const;
type Contender = (typeof CONTENDERS)[number] | (typeof SCALE_OUT)[number] | 'lib@baseline' | 'node-red@baseline';
const SELECTABLE: readonly string[] = [...CONTENDERS, ...SCALE_OUT];
/** The Kafka Streams application as scripts/bench.js builds it (bench/kafka-streams/pom.xml). */
const KAFKA_STREAMS = {
  classes: path.join(ROOT, 'bench', 'kafka-streams', 'target', 'classes'),
  libs: path.join(ROOT, 'bench', 'kafka-streams', 'target', 'libs'),
  main: 'slipstream.bench.RunningTotal',
};
/** Every output topic: record timestamps are the broker's append times, the clock every rate is taken from. */
const OUTPUT_TOPIC_CONFIG = { 'message.timestamp.type': 'LogAppendTime' };

interface Options {
  messages: number;
  runs: number;
  only: Contender[];
  python: string;
  baseline: string | undefined;
  profDir: string | undefined;
  memory: boolean;
}

function parseOptions(argv: string[]): Options {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const messages = Number(value('messages') ?? process.env.BENCH_MESSAGES ?? 500_000);
  const runs = Number(value('runs') ?? process.env.BENCH_RUNS ?? 3);
  if (!Number.isInteger(messages) || messages < USERS) throw new Error(`--messages must be an integer >= ${USERS}`);
  if (!Number.isInteger(runs) || runs < 1) throw new Error('--runs must be a positive integer');
  const baseline = value('baseline') && path.resolve(value('baseline') as string);
  const only = (value('only')?.split(',') ?? [...CONTENDERS]) as Contender[];
  for (const name of only) if (!SELECTABLE.includes(name)) throw new Error(`unknown contender ${name}; known: ${SELECTABLE.join(', ')}`);
  if (baseline) only.push(...(['lib@baseline', 'node-red@baseline'] as const).filter((b) => only.includes(b.split('@')[0] as Contender)));
  return {
    messages,
    runs,
    only,
    python: path.resolve(value('python') ?? path.join(ROOT, 'bench', 'python', '.venv', 'bin', 'python')),
    baseline,
    profDir: value('prof-dir') && path.resolve(value('prof-dir') as string),
    memory: argv.includes('--memory'),
  };
}

interface RunResult {
  msgsPerSec: number | null;
  /** A run of several processes (`lib-x2`): the sum of their peaks. */
  peakRssMb: number | null;
  /** CPU time per output record while the pipeline ran (see `watch`); a run of several processes: their sum. */
  cpuUsPerRecord?: number | null;
  /** Each process's peak, for runs of several. */
  peakRssMbEach?: Array<number | null>;
  /** Several processes: how many input records each handled (a record handled again after a rebalance counts twice). */
  handledEach?: Array<number | null>;
  verified: boolean;
  note?: string;
  /** Per second, with --memory (of the first process, for runs of several). */
  memory?: MemorySample[];
}

interface Bench {
  options: Options;
  brokers: string[];
  kafka: Kafka;
  admin: Admin;
  input: string;
  prefix: string;
  expected: Map<string, number>;
  tmp: string;
}

/** The child running one contender's run, and how to stop it. */
interface Child {
  process: ChildProcess;
  /** Resolves with the child's `RESULT {…}` line, if it prints one. */
  result: Promise<{ msgsPerSec: number; count: number }>;
  /** Node children exit on SIGINT (writing a --cpu-prof profile); the Python and Java ones are killed. */
  gentle: boolean;
  /** How many input records it handled, from the `HANDLED <n>` line e2e-worker's pipelines print when stopped (read once its output closed). */
  handled: () => Promise<number | undefined>;
  /** What it reported with `MEMORY {…}` lines (--memory). */
  memory: () => MemorySample[];
}

function childOf(child: ChildProcess, gentle: boolean): Child {
  let buffered = '';
  const result = new Promise<{ msgsPerSec: number; count: number }>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const line = /^RESULT (.*)$/m.exec(buffered);
      if (line) resolve(JSON.parse(line[1]));
    });
    child.on('exit', (code, signal) => reject(new Error(`exited (${signal ?? code}) before the end of the run`)));
  });
  const closed = new Promise((resolve) => child.once('close', resolve));
  const handled = async (): Promise<number | undefined> => {
    await closed;
    const line = /^HANDLED (\d+)$/m.exec(buffered);
    return line ? Number(line[1]) : undefined;
  };
  const memory = (): MemorySample[] => [...buffered.matchAll(/^MEMORY (.*)$/gm)].map((line) => JSON.parse(line[1]) as MemorySample);
  return { process: child, result, gentle, handled, memory };
}

/** One directory per run: each thread writes its own profile there (Node's default names carry the thread id; a fixed name would let threads overwrite each other). */
function nodeArgs(bench: Bench, name: string): string[] {
  const { profDir } = bench.options;
  return profDir ? ['--cpu-prof', `--cpu-prof-dir=${path.join(profDir, `${name}-${Date.now()}`)}`] : [];
}

function spawnWorker(bench: Bench, contender: string, args: WorkerArgs, profileName = contender): Child {
  const child = spawn(process.execPath, [...nodeArgs(bench, profileName), path.join(__dirname, 'e2e-worker.js'), contender, JSON.stringify(args)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return childOf(child, true);
}

function spawnPython(bench: Bench, script: string, args: WorkerArgs): Child {
  const child = spawn(bench.options.python, [path.join(ROOT, 'bench', 'python', script), JSON.stringify(args)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return childOf(child, false);
}

function spawnKafkaStreams(args: WorkerArgs): Child {
  const java = process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  const classpath = [KAFKA_STREAMS.classes, path.join(KAFKA_STREAMS.libs, '*')].join(path.delimiter);
  const logging = [
    '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
    // It warns that the state directory is under the OS temp directory, as every contender's is here.
    '-Dorg.slf4j.simpleLogger.log.org.apache.kafka.streams.processor.internals.StateDirectory=error',
  ];
  const child = spawn(java, [...logging, '-cp', classpath, KAFKA_STREAMS.main, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'inherit'] });
  return childOf(child, false);
}

function spawnNodeRed(bench: Bench, args: WorkerArgs, packageRoot: string): Child {
  const func = 'return { user: msg.payload.user, total: (oldValue ? oldValue.total : 0) + msg.payload.amount };';
  const dir = nodeRedUserDir(
    [
      { id: 'tab', type: 'tab', label: 'bench' },
      { id: 'broker', type: 'slipstream-kafka', brokers: args.brokers.join(','), saslMechanism: 'none' },
      { id: 'store', type: 'slipstream-store', path: args.db, preset: 'default', columnFamilies: '' },
      {
        id: 'in', z: 'tab', type: 'slipstream-topic-in', broker: 'broker', topic: args.input, groupId: args.groupId,
        start: 'committed', codec: 'json', x: 100, y: 100, wires: [['total']],
      },
      {
        id: 'total', z: 'tab', type: 'slipstream-cache', store: 'store', operation: 'update', key: 'payload.user', keyType: 'msg',
        value: 'payload', valueType: 'msg', func, x: 300, y: 100, wires: [['out']],
      },
      { id: 'out', z: 'tab', type: 'slipstream-topic-out', broker: 'broker', topic: args.output, codec: 'json', acks: '-1', compression: 'none', x: 500, y: 100, wires: [] },
    ],
    { packageRoot },
  );
  const child = startNodeRed(dir, nodeArgs(bench, 'node-red'));
  return childOf(child, true);
}

async function stop(child: Child): Promise<void> {
  const proc = child.process;
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  proc.kill(child.gentle ? 'SIGINT' : 'SIGKILL');
  const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** How far a run is: whether it is done, and how many records it has written to its output so far, where that is known. */
interface Progress {
  done: boolean;
  records?: number;
}

/**
 * Wait until `progress()` says done or a child exits or the deadline passes;
 * keeps each child's peak RSS (`rss`: their sum, `rssEach`: each, in
 * `children` order) and, where `progress()` counts records, the children's
 * CPU time per record (user and system, all threads; the broker's not
 * included) from the first poll that saw records to the end: start-up
 * (a JVM's or Python's, a consumer group join) is left out.
 */
async function watch(children: Child[], deadline: number, progress: () => Promise<Progress>): Promise<{ finished: boolean; rss: number | null; rssEach: Array<number | null>; cpuUsPerRecord: number | null; note?: string }> {
  const peaks: Array<number | null> = children.map(() => null);
  let exit: string | undefined;
  for (const child of children) child.process.once('exit', (code, signal) => (exit ??= `exited (${signal ?? code})`));
  const sample = (): { rss: number | null; rssEach: Array<number | null> } => {
    children.forEach((child, i) => (peaks[i] = Math.max(peaks[i] ?? 0, peakRssMb(child.process.pid as number) ?? 0) || peaks[i]));
    return { rss: peaks.some((p) => p !== null) ? peaks.reduce<number>((sum, p) => sum + (p ?? 0), 0) : null, rssEach: [...peaks] };
  };
  const cpu = (): number | undefined => {
    const each = children.map((child) => cpuSeconds(child.process.pid as number));
    return each.every((s) => s !== undefined) ? each.reduce<number>((sum, s) => sum + (s as number), 0) : undefined;
  };
  let first: { cpu: number; records: number } | undefined;
  let cpuUsPerRecord: number | null = null;
  for (;;) {
    sample();
    const { done, records } = await progress();
    const used = records ? cpu() : undefined;
    if (records && used !== undefined) {
      if (!first) first = { cpu: used, records };
      else if (records > first.records) cpuUsPerRecord = ((used - first.cpu) * 1e6) / (records - first.records);
    }
    if (done) return { finished: true, ...sample(), cpuUsPerRecord };
    if (exit) return { finished: false, ...sample(), cpuUsPerRecord, note: exit };
    if (Date.now() > deadline) return { finished: false, ...sample(), cpuUsPerRecord, note: 'timed out' };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * The broker's append times of an output topic's first and last record (output
 * topics are LogAppendTime, so every contender is timed by the same clock,
 * whatever timestamps its client sets), as a rate.
 */
class AppendSpan {
  private first = Infinity;
  private last = -Infinity;

  add(message: KafkaMessage): void {
    const ts = Number(message.timestamp);
    if (ts < this.first) this.first = ts;
    if (ts > this.last) this.last = ts;
  }

  msgsPerSec(messages: number): number | null {
    return this.last > this.first ? messages / ((this.last - this.first) / 1000) : null;
  }
}

/**
 * Check a pipeline's output, read committed: exactly N records, every user's
 * highest total equal to the sum of its input amounts (totals only grow:
 * amounts are positive). Returns msgs/s from the broker's append times of the
 * first and the last output record.
 */
async function verifyPipeline(bench: Bench, output: string): Promise<{ msgsPerSec: number | null; verified: boolean; note?: string }> {
  const { messages } = bench.options;
  const highest = new Map<string, number>();
  const span = new AppendSpan();
  let malformed = 0;
  const count = await readToEnd(bench.kafka, output, (message) => {
    span.add(message);
    try {
      const { user, total } = JSON.parse(String(message.value)) as OutputValue;
      if (String(message.key) !== user) malformed++;
      if (total > (highest.get(user) ?? -Infinity)) highest.set(user, total);
    } catch {
      malformed++;
    }
  });
  // Lower: updates lost; higher: amounts counted twice (records handled again).
  const lower = [...bench.expected].filter(([user, total]) => (highest.get(user) ?? -Infinity) < total).length;
  const higher = [...bench.expected].filter(([user, total]) => (highest.get(user) ?? -Infinity) > total).length;
  const msgsPerSec = span.msgsPerSec(messages);
  const problems = [
    count !== messages && `${count} output records, expected ${messages}`,
    lower > 0 && `${lower} of ${bench.expected.size} users with a final total lower than exact`,
    higher > 0 && `${higher} of ${bench.expected.size} users with a final total higher than exact`,
    malformed > 0 && `${malformed} malformed records`,
  ].filter(Boolean);
  return { msgsPerSec, verified: problems.length === 0, note: problems.join('; ') || undefined };
}

/** A run's own output topic and group (and `db`, its state directory). */
function workerArgs(bench: Bench, name: string, run: number, db: string): WorkerArgs {
  return {
    brokers: bench.brokers,
    messages: bench.options.messages,
    input: bench.input,
    output: `${bench.prefix}-out-${name}-${run}`,
    groupId: `${bench.prefix}-${name}-${run}`,
    db,
    memory: bench.options.memory,
  };
}

/** A new state directory for a run. */
function stateDir(bench: Bench, name: string, run: number): string {
  return fs.mkdtempSync(path.join(bench.tmp, `${name}-${run}-`));
}

/**
 * One run of a pipeline. Pipelines with a changelog are done when their group
 * has committed every input record (exactly-once: the transaction that
 * committed those offsets committed the outputs too; end offsets of a
 * transactional output count its markers as well); the others when their
 * output holds N records.
 */
async function runPipeline(bench: Bench, contender: Contender, run: number): Promise<RunResult> {
  const name = contender.replace('@', '-');
  const args = workerArgs(bench, name, run, stateDir(bench, name, run));
  await createTopic(bench.kafka, args.output, PARTITIONS, OUTPUT_TOPIC_CONFIG);
  const baselineLib = bench.options.baseline && path.join(bench.options.baseline, 'dist', 'lib');
  // lib-x2: two processes of one group, each with a state directory of its own;
  // they hand out no record before both are members (see e2e-worker's groupMembers).
  const secondDb = contender === 'lib-x2' ? stateDir(bench, name, run) : undefined;
  const children =
    contender === 'lib' || contender === 'lib-changelog' || contender === 'lib-exactly-once' ? [spawnWorker(bench, contender, args)]
    : contender === 'lib-x2'
      ? [spawnWorker(bench, 'lib-changelog', { ...args, members: 2 }, 'lib-x2-a'), spawnWorker(bench, 'lib-changelog', { ...args, db: secondDb as string, members: 2 }, 'lib-x2-b')]
    : contender === 'lib@baseline' ? [spawnWorker(bench, 'lib', { ...args, lib: baselineLib })]
    : contender === 'node-red' ? [spawnNodeRed(bench, args, ROOT)]
    : contender === 'node-red@baseline' ? [spawnNodeRed(bench, args, bench.options.baseline as string)]
    : contender === 'kafka-streams' ? [spawnKafkaStreams(args)]
    : contender === 'quix-streams' ? [spawnPython(bench, 'quix_pipeline.py', args)]
    : [spawnPython(bench, 'pipeline.py', args)];
  for (const child of children) child.result.catch(() => undefined); // pipelines print no result; their exit is noticed by watch()
  const deadline = Date.now() + 60_000 + (bench.options.messages / 300) * 1000;
  const scaleOut = (SCALE_OUT as readonly string[]).includes(contender);
  // Records are counted on the output as they are written (its high watermark: a transactional
  // output's uncommitted records and markers too), also where commits decide the end: commits
  // come a second apart, so they would say little about the work done in between.
  const progress = async (): Promise<Progress> => {
    const records = await topicSize(bench.admin, args.output);
    const done = scaleOut ? (await committedCount(bench.admin, args.groupId, bench.input)) >= bench.options.messages : records >= bench.options.messages;
    return { done, records };
  };
  const watched = await watch(children, deadline, progress);
  await Promise.all(children.map(stop));
  const checked = await verifyPipeline(bench, args.output);
  for (const db of [args.db, secondDb]) if (db) fs.rmSync(db, { recursive: true, force: true });
  const note = [watched.note, checked.note].filter(Boolean).join('; ') || undefined;
  return {
    msgsPerSec: checked.msgsPerSec,
    peakRssMb: watched.rss,
    cpuUsPerRecord: watched.cpuUsPerRecord,
    ...(children.length > 1 && { peakRssMbEach: watched.rssEach, handledEach: await Promise.all(children.map(async (child) => (await child.handled()) ?? null)) }),
    verified: watched.finished && checked.verified,
    note,
    ...memoryOf(children[0]),
  };
}

async function runCeiling(bench: Bench, contender: 'kafkajs-consume' | 'kafkajs-produce', run: number): Promise<RunResult> {
  const args = workerArgs(bench, contender, run, '');
  if (contender === 'kafkajs-produce') await createTopic(bench.kafka, args.output, PARTITIONS, OUTPUT_TOPIC_CONFIG);
  const child = spawnWorker(bench, contender, args);
  let result: { msgsPerSec: number; count: number } | undefined;
  let failure: string | undefined;
  child.result.then(
    (r) => (result = r),
    (err: Error) => (failure = err.message),
  );
  const deadline = Date.now() + 60_000 + (bench.options.messages / 1000) * 1000;
  const watched = await watch([child], deadline, async () => ({ done: result !== undefined || failure !== undefined }));
  await stop(child);
  if (!result) return { msgsPerSec: null, peakRssMb: watched.rss, verified: false, note: failure ?? watched.note, ...memoryOf(child) };
  // The consumer counted every input record itself and timed itself (it has no
  // output); the producer's topic must hold N, and is timed like the pipelines'.
  let msgsPerSec: number | null = result.msgsPerSec;
  let count = result.count;
  if (contender === 'kafkajs-produce') {
    const span = new AppendSpan();
    count = await readToEnd(bench.kafka, args.output, (message) => span.add(message));
    msgsPerSec = span.msgsPerSec(bench.options.messages);
  }
  const verified = count === bench.options.messages;
  return { msgsPerSec, peakRssMb: watched.rss, verified, note: verified ? undefined : `${count} records, expected ${bench.options.messages}`, ...memoryOf(child) };
}

function memoryOf(child: Child): Pick<RunResult, 'memory'> {
  const memory = child.memory();
  return memory.length > 0 ? { memory } : {};
}

/** A run's memory samples as a Markdown table (MB), one row per second. */
function printMemory(samples: MemorySample[]): void {
  const columns = ['s', 'rssMb', 'heapUsedMb', 'heapTotalMb', 'externalMb', 'arrayBuffersMb', 'memtablesMb', 'blockCacheMb', 'tableReadersMb'] as const;
  const shown = columns.filter((c) => samples.some((sample) => sample[c] !== undefined));
  console.log(`| ${shown.join(' | ')} |\n|${shown.map(() => '--:').join('|')}|`);
  for (const sample of samples) console.log(`| ${shown.map((c) => sample[c] ?? '—').join(' | ')} |`);
}

/** The 1, 5 and 15 minute load averages, to two decimals. */
function loadAverage(): number[] {
  return os.loadavg().map((l) => Number(l.toFixed(2)));
}

/** The kafka-streams jar's version in the built application, e.g. 3.9.2. */
function kafkaStreamsVersion(): string {
  const jars = fs.existsSync(KAFKA_STREAMS.libs) ? fs.readdirSync(KAFKA_STREAMS.libs) : [];
  return jars.map((jar) => /^kafka-streams-(\d.*)\.jar$/.exec(jar)?.[1]).find(Boolean) ?? 'not built';
}

function versionOf(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim().replace(/^Python /, '');
  } catch {
    return 'unknown';
  }
}

interface Summary {
  msgsPerSec: Array<number | null>;
  medianMsgsPerSec: number;
  /** Each run's CPU time per record, and their median over the verified runs (null where not measured). */
  cpuUsPerRecord: Array<number | null>;
  medianCpuUsPerRecord: number | null;
  /** The highest of the runs; for a contender of several processes, of the sums of their peaks. */
  peakRssMb: number;
  /** Several processes (`lib-x2`): each run's peak of each process. */
  peakRssMbEach?: Array<Array<number | null>>;
  /** Several processes: each run's count of input records handled by each. */
  handledEach?: Array<Array<number | null>>;
  verified: boolean;
  /** Each run's memory samples (--memory). */
  memory?: MemorySample[][];
}

function summarize(results: RunResult[]): Summary {
  const good = results.filter((r) => r.verified && r.msgsPerSec !== null).map((r) => r.msgsPerSec as number);
  const cpu = results.filter((r) => r.verified && typeof r.cpuUsPerRecord === 'number').map((r) => r.cpuUsPerRecord as number);
  const each = results.map((r) => r.peakRssMbEach).filter((e) => e !== undefined);
  const handled = results.map((r) => r.handledEach).filter((h) => h !== undefined);
  return {
    msgsPerSec: results.map((r) => (r.msgsPerSec === null ? null : Math.round(r.msgsPerSec))),
    medianMsgsPerSec: good.length ? Math.round(median(good)) : 0,
    cpuUsPerRecord: results.map((r) => (typeof r.cpuUsPerRecord === 'number' ? round1(r.cpuUsPerRecord) : null)),
    medianCpuUsPerRecord: cpu.length ? round1(median(cpu)) : null,
    peakRssMb: Math.max(0, ...results.map((r) => r.peakRssMb ?? 0)),
    ...(each.length > 0 && { peakRssMbEach: each }),
    ...(handled.length > 0 && { handledEach: handled }),
    verified: results.length > 0 && results.every((r) => r.verified),
    ...(results.some((r) => r.memory) && { memory: results.map((r) => r.memory ?? []) }),
  };
}

function ratio(a: Summary | undefined, b: Summary | undefined): number | null {
  return a && b && a.medianMsgsPerSec && b.medianMsgsPerSec ? Number((a.medianMsgsPerSec / b.medianMsgsPerSec).toPrecision(3)) : null;
}

/** `name = median (min–max)` for the pairs that ran, on one line. */
function pairedLine(paired: Record<string, PairedRatio | null>): string {
  return Object.entries(paired)
    .filter((entry): entry is [string, PairedRatio] => entry[1] !== null)
    .map(([name, r]) => `${name} = ${r.median} (${r.min}–${r.max})`)
    .join(' · ');
}

const round1 = (n: number): number => Math.round(n * 10) / 10;

/** Whole numbers with thousands separators, as in the README. */
const figure = (n: number): string => Math.round(n).toLocaleString('en');

/** The results as a Markdown table (ready for the README), one row per contender. */
function printTable(options: Options, summaries: Map<Contender, Summary>, results: Map<Contender, RunResult[]>, overProduce: Record<string, number | null>): void {
  console.log('| contender | median msgs/s | min–max msgs/s | / kafkajs-produce | CPU µs/record | peak RSS MB | verified runs |');
  console.log('|---|--:|--:|--:|--:|--:|--:|');
  for (const [name, s] of summaries) {
    const good = results.get(name)!.filter((r) => r.verified && r.msgsPerSec !== null).map((r) => r.msgsPerSec as number);
    const range = good.length ? `${figure(Math.min(...good))}–${figure(Math.max(...good))}` : '—';
    const verified = `${results.get(name)!.filter((r) => r.verified).length}/${options.runs}`;
    console.log(`| \`${name}\` | ${s.medianMsgsPerSec ? figure(s.medianMsgsPerSec) : '—'} | ${range} | ${overProduce[name] ?? '—'} | ${s.medianCpuUsPerRecord ?? '—'} | ${s.peakRssMb}${s.peakRssMbEach ? ' (sum)' : ''} | ${verified} |`);
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  if (options.only.includes('kafka-streams') && !fs.existsSync(KAFKA_STREAMS.classes)) {
    throw new Error(`${path.relative(ROOT, KAFKA_STREAMS.classes)} is missing: npm run bench builds the Kafka Streams contender`);
  }
  const brokers = brokersFromEnv();
  const kafka = benchKafka(brokers);
  const admin = kafka.admin();
  await admin.connect();
  const prefix = `bench-e2e-${Date.now().toString(36)}`;
  const bench: Bench = {
    options,
    brokers,
    kafka,
    admin,
    input: `${prefix}-in`,
    prefix,
    expected: expectedTotals(options.messages),
    tmp: fs.mkdtempSync(path.join(os.tmpdir(), 'slipstream-e2e-')),
  };
  const started = { date: new Date().toISOString(), loadAverage: loadAverage() };
  if (options.profDir) fs.mkdirSync(options.profDir, { recursive: true });
  try {
    console.log(`e2e: filling ${bench.input} (${PARTITIONS} partitions) with ${options.messages.toLocaleString('en')} messages…`);
    await createTopic(kafka, bench.input, PARTITIONS);
    await fillTopic(kafka, bench.input, options.messages, inputMessage);

    const results = new Map<Contender, RunResult[]>(options.only.map((c) => [c, []]));
    for (let run = 0; run < options.runs; run++) {
      // Rotate the order each round, so no contender always runs first (or right after the fill).
      const order = options.only.map((_, i) => options.only[(i + run) % options.only.length]);
      for (const contender of order) {
        const result =
          contender === 'kafkajs-consume' || contender === 'kafkajs-produce'
            ? await runCeiling(bench, contender, run)
            : await runPipeline(bench, contender, run);
        results.get(contender)!.push(result);
        const rate = result.msgsPerSec === null ? '—' : Math.round(result.msgsPerSec).toLocaleString('en');
        const each = result.peakRssMbEach ? ` (${result.peakRssMbEach.map((mb) => mb ?? '?').join(' + ')})` : '';
        const handled = result.handledEach ? `, handled ${result.handledEach.map((n) => n ?? '?').join(' + ')}` : '';
        const verdict = result.verified ? ', verified' : `, NOT verified: ${result.note ?? ''}`;
        const cpu = typeof result.cpuUsPerRecord === 'number' ? `, ${round1(result.cpuUsPerRecord)} µs CPU/record` : '';
        console.log(`  run ${run + 1}/${options.runs} ${contender}: ${rate} msgs/s${cpu}, peak RSS ${result.peakRssMb ?? '?'} MB${each}${handled}${verdict}`);
        if (result.memory) printMemory(result.memory);
      }
    }

    const summaries = new Map([...results].map(([name, r]) => [name, summarize(r)]));
    const at = (name: Contender): Summary | undefined => summaries.get(name);
    const paired = (a: Contender, b: Contender): PairedRatio | null => (results.has(a) && results.has(b) ? pairedRatio(results.get(a)!, results.get(b)!) : null);
    const overProduce = Object.fromEntries([...summaries.keys()].map((name) => [name, ratio(at(name), at('kafkajs-produce'))]));
    const ratios = {
      libOverKafkaStreams: ratio(at('lib'), at('kafka-streams')),
      nodeRedOverQuixStreams: ratio(at('node-red'), at('quix-streams')),
      libOverPython: ratio(at('lib'), at('python-slipstream')),
      nodeRedOverLib: ratio(at('node-red'), at('lib')),
      libOverKafkajsConsume: ratio(at('lib'), at('kafkajs-consume')),
      overKafkajsProduce: overProduce,
      // Scale-out: the changelog's cost, the transactions' cost, a second process's gain.
      libChangelogOverLib: ratio(at('lib-changelog'), at('lib')),
      exactlyOnceOverAtLeastOnce: ratio(at('lib-exactly-once'), at('lib-changelog')),
      twoProcessesOverOne: ratio(at('lib-x2'), at('lib-changelog')),
      // The same, round by round (see pairedRatio).
      perRound: {
        'lib / kafka-streams': paired('lib', 'kafka-streams'),
        'node-red / quix-streams': paired('node-red', 'quix-streams'),
        'lib / lib@baseline': paired('lib', 'lib@baseline'),
        'node-red / node-red@baseline': paired('node-red', 'node-red@baseline'),
      },
    };
    const machine = {
      cores: os.cpus().length,
      loadAverage: { start: started.loadAverage, end: loadAverage() },
      node: process.version,
      kafka: process.env.BENCH_KAFKA_VERSION ?? 'unknown',
      kafkaStreams: kafkaStreamsVersion(),
      python: versionOf(options.python, ['--version']),
      quixStreams: versionOf(options.python, ['-c', 'import quixstreams; print(quixstreams.__version__)']),
    };
    console.log(
      `\ne2e: N = ${options.messages.toLocaleString('en')} messages, ${PARTITIONS} partitions, ${USERS.toLocaleString('en')} users, ` +
        `${options.runs} interleaved runs each; ${started.date.slice(0, 10)}; ${machine.cores} cores, load average ${machine.loadAverage.start.join(' ')} before ` +
        `(${machine.loadAverage.end.join(' ')} after); Node ${machine.node}, Kafka ${machine.kafka}, Kafka Streams ${machine.kafkaStreams}, ` +
        `Python ${machine.python}, Quix Streams ${machine.quixStreams}\n`,
    );
    printTable(options, summaries, results, overProduce);
    console.log(
      `\nlib / kafka-streams = ${ratios.libOverKafkaStreams ?? '—'} · node-red / quix-streams = ${ratios.nodeRedOverQuixStreams ?? '—'} · ` +
        `lib / python-slipstream = ${ratios.libOverPython ?? '—'} · node-red / lib = ${ratios.nodeRedOverLib ?? '—'} · ` +
        `lib / kafkajs-consume = ${ratios.libOverKafkajsConsume ?? '—'}`,
    );
    const perRound = pairedLine(ratios.perRound);
    if (perRound) console.log(`per round (median, min–max): ${perRound}`);
    if (SCALE_OUT.some((c) => summaries.has(c))) {
      console.log(
        `lib-changelog / lib = ${ratios.libChangelogOverLib ?? '—'} · lib-exactly-once / lib-changelog = ${ratios.exactlyOnceOverAtLeastOnce ?? '—'} · ` +
          `lib-x2 / lib-changelog = ${ratios.twoProcessesOverOne ?? '—'} (lib-x2's peak RSS is the sum of its 2 processes)`,
      );
    }
    const main = Object.fromEntries([...CONTENDERS, ...SCALE_OUT].filter((c) => summaries.has(c)).map((c) => [c, summaries.get(c)]));
    const report = {
      date: started.date,
      machine,
      workload: { messages: options.messages, partitions: PARTITIONS, users: USERS, runs: options.runs },
      rate: 'N / (broker append time of the last output record - that of the first); kafkajs-consume times itself',
      cpu: "the contender's processes' CPU time (user + system, all threads) per output record written (the output's high watermark), from the first poll that saw one to the end; the broker's not included",
      contenders: main,
      ratios,
    };
    fs.mkdirSync(path.dirname(resultsPath('latest')), { recursive: true });
    fs.writeFileSync(resultsPath('latest'), `${JSON.stringify(report, null, 2)}\n`);
    console.log(`written ${resultsPath('latest')}`);
    if (options.baseline) {
      const compare = {
        baseline: options.baseline,
        libOverBaseline: ratio(at('lib'), at('lib@baseline')),
        nodeRedOverBaseline: ratio(at('node-red'), at('node-red@baseline')),
        contenders: Object.fromEntries(summaries),
      };
      console.log(`lib / lib@baseline = ${compare.libOverBaseline ?? '—'}   node-red / node-red@baseline = ${compare.nodeRedOverBaseline ?? '—'}`);
      fs.writeFileSync(resultsPath('compare'), `${JSON.stringify(compare, null, 2)}\n`);
      console.log(`written ${resultsPath('compare')}`);
    }
  } finally {
    // Kafka Streams' internal topics start with its application id, Quix's with `changelog__`; both contain the prefix.
    const topics = (await admin.listTopics()).filter((t) => t.includes(prefix));
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
    fs.rmSync(bench.tmp, { recursive: true, force: true });
  }
}

runBench(main);
