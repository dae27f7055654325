// End-to-end throughput (issue 10): a stateful pipeline on Kafka — consume
// {user, amount, ts}, keep a running total per user in RocksDB under the key's
// transaction, produce {user, total} keyed by user — run by
//   lib                handle(topic, { sink: [outTopic] }) with Cache.transaction
//   node-red           topic-in → cache update → topic-out in a real headless Node-RED
//   python-slipstream  the Python original (bench/python/pipeline.py)
// beside the kafkajs ceilings (a bare eachBatch consumer over the input, a bare
// producer writing N). Each contender runs in a child process, R times,
// interleaved; every run's output is checked. `npm run bench` sets up what this
// needs (scripts/bench.js) and runs it:
//   node dist/bench/e2e.js [--messages N] [--runs R] [--only lib,node-red,…]
//        [--python bench/python/.venv/bin/python] [--baseline <package root>] [--prof-dir <dir>]
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import { nodeRedUserDir, startNodeRed } from '../test/support/node-red-process';
import { benchKafka, brokersFromEnv, createTopic, fillTopic, median, peakRssMb, readTopic, resultsPath, runBench, topicSize } from './support';
import { expectedTotals, inputMessage, type OutputValue, PARTITIONS, USERS, type WorkerArgs } from './workload';

const ROOT = path.resolve(__dirname, '..', '..');
const CONTENDERS = ['lib', 'node-red', 'python-slipstream', 'kafkajs-consume', 'kafkajs-produce'] as const;
type Contender = (typeof CONTENDERS)[number] | 'lib@baseline' | 'node-red@baseline';

interface Options {
  messages: number;
  runs: number;
  only: Contender[];
  python: string;
  baseline: string | undefined;
  profDir: string | undefined;
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
  for (const name of only) if (!(CONTENDERS as readonly string[]).includes(name)) throw new Error(`unknown contender ${name}`);
  if (baseline) only.push(...(['lib@baseline', 'node-red@baseline'] as const).filter((b) => only.includes(b.split('@')[0] as Contender)));
  return {
    messages,
    runs,
    only,
    python: path.resolve(value('python') ?? path.join(ROOT, 'bench', 'python', '.venv', 'bin', 'python')),
    baseline,
    profDir: value('prof-dir') && path.resolve(value('prof-dir') as string),
  };
}

interface RunResult {
  msgsPerSec: number | null;
  peakRssMb: number | null;
  verified: boolean;
  note?: string;
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
  /** Node children exit on SIGINT (writing a --cpu-prof profile); the Python one is killed. */
  gentle: boolean;
}

function watchResult(child: ChildProcess): Child['result'] {
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const line = /^RESULT (.*)$/m.exec(buffered);
      if (line) resolve(JSON.parse(line[1]));
    });
    child.on('exit', (code, signal) => reject(new Error(`exited (${signal ?? code}) before the end of the run`)));
  });
}

function nodeArgs(bench: Bench, name: string): string[] {
  const { profDir } = bench.options;
  return profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`, `--cpu-prof-name=${name}-${Date.now()}.cpuprofile`] : [];
}

function spawnWorker(bench: Bench, contender: string, args: WorkerArgs): Child {
  const child = spawn(process.execPath, [...nodeArgs(bench, contender), path.join(__dirname, 'e2e-worker.js'), contender, JSON.stringify(args)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return { process: child, result: watchResult(child), gentle: true };
}

function spawnPython(bench: Bench, args: WorkerArgs): Child {
  const child = spawn(bench.options.python, [path.join(ROOT, 'bench', 'python', 'pipeline.py'), JSON.stringify(args)], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return { process: child, result: watchResult(child), gentle: false };
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
        start: 'committed', codec: 'json', maxInFlight: '100', x: 100, y: 100, wires: [['total']],
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
  return { process: child, result: watchResult(child), gentle: true };
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

/** Wait until `done()` or the child exits or the deadline passes; keeps the child's peak RSS. */
async function watch(child: Child, deadline: number, done: () => Promise<boolean>): Promise<{ finished: boolean; rss: number | null; note?: string }> {
  let rss: number | null = null;
  let exit: string | undefined;
  child.process.once('exit', (code, signal) => (exit = `exited (${signal ?? code})`));
  for (;;) {
    rss = Math.max(rss ?? 0, peakRssMb(child.process.pid as number) ?? 0) || rss;
    if (await done()) return { finished: true, rss: Math.max(rss ?? 0, peakRssMb(child.process.pid as number) ?? 0) || rss };
    if (exit) return { finished: false, rss, note: exit };
    if (Date.now() > deadline) return { finished: false, rss, note: 'timed out' };
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Check a pipeline's output: exactly N records, every user's highest total
 * equal to the sum of its input amounts (totals only grow: amounts are
 * positive). Returns msgs/s from the first to the last output record's
 * timestamp (set by the producing client when it sends).
 */
async function verifyPipeline(bench: Bench, output: string): Promise<{ msgsPerSec: number | null; verified: boolean; note?: string }> {
  const { messages } = bench.options;
  const count = await topicSize(bench.admin, output);
  const highest = new Map<string, number>();
  let first = Infinity;
  let last = -Infinity;
  let malformed = 0;
  await readTopic(bench.kafka, output, count, (message) => {
    const ts = Number(message.timestamp);
    if (ts < first) first = ts;
    if (ts > last) last = ts;
    try {
      const { user, total } = JSON.parse(String(message.value)) as OutputValue;
      if (String(message.key) !== user) malformed++;
      if (total > (highest.get(user) ?? -Infinity)) highest.set(user, total);
    } catch {
      malformed++;
    }
  });
  const wrongTotals = [...bench.expected].filter(([user, total]) => highest.get(user) !== total).length;
  const msgsPerSec = last > first ? messages / ((last - first) / 1000) : null;
  const problems = [
    count !== messages && `${count} output records, expected ${messages}`,
    wrongTotals > 0 && `${wrongTotals} of ${bench.expected.size} users with a wrong final total`,
    malformed > 0 && `${malformed} malformed records`,
  ].filter(Boolean);
  return { msgsPerSec, verified: problems.length === 0, note: problems.join('; ') || undefined };
}

async function runPipeline(bench: Bench, contender: Contender, run: number): Promise<RunResult> {
  const name = contender.replace('@', '-');
  const args: WorkerArgs = {
    brokers: bench.brokers,
    messages: bench.options.messages,
    input: bench.input,
    output: `${bench.prefix}-out-${name}-${run}`,
    groupId: `${bench.prefix}-${name}-${run}`,
    db: fs.mkdtempSync(path.join(bench.tmp, `${name}-${run}-`)),
  };
  await createTopic(bench.kafka, args.output, PARTITIONS);
  const baselineLib = bench.options.baseline && path.join(bench.options.baseline, 'dist', 'lib');
  const child =
    contender === 'lib' ? spawnWorker(bench, 'lib', args)
    : contender === 'lib@baseline' ? spawnWorker(bench, 'lib', { ...args, lib: baselineLib })
    : contender === 'node-red' ? spawnNodeRed(bench, args, ROOT)
    : contender === 'node-red@baseline' ? spawnNodeRed(bench, args, bench.options.baseline as string)
    : spawnPython(bench, args);
  child.result.catch(() => undefined); // pipelines print no result; their exit is noticed by watch()
  const deadline = Date.now() + 60_000 + (bench.options.messages / 300) * 1000;
  const watched = await watch(child, deadline, async () => (await topicSize(bench.admin, args.output)) >= bench.options.messages);
  await stop(child);
  const checked = await verifyPipeline(bench, args.output);
  fs.rmSync(args.db, { recursive: true, force: true });
  const note = [watched.note, checked.note].filter(Boolean).join('; ') || undefined;
  return { msgsPerSec: checked.msgsPerSec, peakRssMb: watched.rss, verified: watched.finished && checked.verified, note };
}

async function runCeiling(bench: Bench, contender: 'kafkajs-consume' | 'kafkajs-produce', run: number): Promise<RunResult> {
  const args: WorkerArgs = {
    brokers: bench.brokers,
    messages: bench.options.messages,
    input: bench.input,
    output: `${bench.prefix}-out-${contender}-${run}`,
    groupId: `${bench.prefix}-${contender}-${run}`,
    db: '',
  };
  if (contender === 'kafkajs-produce') await createTopic(bench.kafka, args.output, PARTITIONS);
  const child = spawnWorker(bench, contender, args);
  let result: { msgsPerSec: number; count: number } | undefined;
  let failure: string | undefined;
  child.result.then(
    (r) => (result = r),
    (err: Error) => (failure = err.message),
  );
  const deadline = Date.now() + 60_000 + (bench.options.messages / 1000) * 1000;
  const watched = await watch(child, deadline, async () => result !== undefined || failure !== undefined);
  await stop(child);
  if (!result) return { msgsPerSec: null, peakRssMb: watched.rss, verified: false, note: failure ?? watched.note };
  // The consumer counted every input record itself; the producer's topic must hold N.
  const count = contender === 'kafkajs-produce' ? await topicSize(bench.admin, args.output) : result.count;
  const verified = count === bench.options.messages;
  return { msgsPerSec: result.msgsPerSec, peakRssMb: watched.rss, verified, note: verified ? undefined : `${count} records, expected ${bench.options.messages}` };
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
  peakRssMb: number;
  verified: boolean;
}

function summarize(results: RunResult[]): Summary {
  const good = results.filter((r) => r.verified && r.msgsPerSec !== null).map((r) => r.msgsPerSec as number);
  return {
    msgsPerSec: results.map((r) => (r.msgsPerSec === null ? null : Math.round(r.msgsPerSec))),
    medianMsgsPerSec: good.length ? Math.round(median(good)) : 0,
    peakRssMb: Math.max(0, ...results.map((r) => r.peakRssMb ?? 0)),
    verified: results.length > 0 && results.every((r) => r.verified),
  };
}

function ratio(a: Summary | undefined, b: Summary | undefined): number | null {
  return a && b && a.medianMsgsPerSec && b.medianMsgsPerSec ? Number((a.medianMsgsPerSec / b.medianMsgsPerSec).toPrecision(3)) : null;
}

function printTable(options: Options, summaries: Map<Contender, Summary>, results: Map<Contender, RunResult[]>): void {
  const rows: Record<string, Record<string, string | number>> = {};
  for (const [name, s] of summaries) {
    const good = results.get(name)!.filter((r) => r.verified && r.msgsPerSec !== null).map((r) => Math.round(r.msgsPerSec as number));
    rows[name] = {
      'median msgs/s': s.medianMsgsPerSec,
      'min–max msgs/s': good.length ? `${Math.min(...good)}–${Math.max(...good)}` : '—',
      'peak RSS MB': s.peakRssMb,
      verified: `${results.get(name)!.filter((r) => r.verified).length}/${options.runs}`,
    };
  }
  console.table(rows);
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
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
        console.log(`  run ${run + 1}/${options.runs} ${contender}: ${rate} msgs/s, peak RSS ${result.peakRssMb ?? '?'} MB${result.verified ? ', verified' : `, NOT verified: ${result.note ?? ''}`}`);
      }
    }

    const summaries = new Map([...results].map(([name, r]) => [name, summarize(r)]));
    const at = (name: Contender): Summary | undefined => summaries.get(name);
    const ratios = {
      libOverPython: ratio(at('lib'), at('python-slipstream')),
      nodeRedOverLib: ratio(at('node-red'), at('lib')),
      libOverKafkajsConsume: ratio(at('lib'), at('kafkajs-consume')),
    };
    const machine = {
      cores: os.cpus().length,
      node: process.version,
      kafka: process.env.BENCH_KAFKA_VERSION ?? 'unknown',
      python: versionOf(options.python, ['--version']),
    };
    console.log(
      `\ne2e: ${options.messages.toLocaleString('en')} messages, ${PARTITIONS} partitions, ${USERS.toLocaleString('en')} users, ` +
        `${options.runs} interleaved runs each; ${machine.cores} cores, Node ${machine.node}, Kafka ${machine.kafka}, Python ${machine.python}`,
    );
    printTable(options, summaries, results);
    console.log(
      `lib / python-slipstream = ${ratios.libOverPython ?? '—'}   node-red / lib = ${ratios.nodeRedOverLib ?? '—'}   ` +
        `lib / kafkajs-consume = ${ratios.libOverKafkajsConsume ?? '—'}`,
    );
    const main = Object.fromEntries(CONTENDERS.filter((c) => summaries.has(c)).map((c) => [c, summaries.get(c)]));
    const report = {
      machine,
      workload: { messages: options.messages, partitions: PARTITIONS, users: USERS, runs: options.runs },
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
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
    fs.rmSync(bench.tmp, { recursive: true, force: true });
  }
}

runBench(main);
