// Changelog restore (issue 18): how long a fresh instance takes to get a
// cache's state back. K keys (default 100,000, numbers as the totals of the
// end-to-end workload) are written once through a changelog cache of a
// 6-partition source topic (outside any handler: each to its key's partition),
// and the cache closed. Then, each run, a new cache on an empty directory
// with the same changelog (same group, same directory name) and a new consumer
// of the source: as the source's partitions are assigned, their state is
// restored before any record is handed out. Timed from the assignment (the
// consumer's `connected` state, reported with it) to the last partition's
// restore done (`onRestore`), for each processing guarantee (exactly-once
// restores read committed, up to a barrier record each writes), interleaved;
// every run's cache must hold exactly the K keys with their values.
//   KAFKA_BROKERS=$(node scripts/kafka start | tail -1) node dist/bench/restore.js [--keys K] [--runs R]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Cache, type CacheRestoreProgress, consoleLogger, JsonCodec, type Logger, Topic, type TopicOptions } from '../lib';
import { benchKafka, brokersFromEnv, createTopic, median, runBench, writeResults } from './support';

const PARTITIONS = 6;
const GUARANTEES = ['at-least-once', 'exactly-once'] as const;
type Guarantee = (typeof GUARANTEES)[number];
/** Every cache directory has this name: the changelog topic is `<group>-totals-changelog` for all of them. */
const CACHE_NAME = 'totals';

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const value = Number(i >= 0 ? process.argv[i + 1] : fallback);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive integer`);
  return value;
}

const KEYS = option('keys', Number(process.env.BENCH_RESTORE_KEYS ?? 100_000));
const RUNS = option('runs', Number(process.env.BENCH_RUNS ?? 3));
const brokers = brokersFromEnv();

/** Warnings and errors only: each restored partition's info line would bury the table. */
const logger: Logger = { ...consoleLogger, info: () => undefined };

const keyOf = (i: number): string => `u${i}`;
const valueOf = (i: number): number => i * 7 + 1;

interface Setup {
  source: string;
  groupId: string;
  tmp: string;
}

function sourceTopic(setup: Setup, guarantee: Guarantee, options: TopicOptions = {}): Topic<unknown> {
  return new Topic(setup.source, { brokers, groupId: setup.groupId, fromBeginning: true, processingGuarantee: guarantee }, { codec: new JsonCodec(), logger, ...options });
}

/** Write the K keys through a changelog cache once; returns the ms until they were logged. */
async function writeChangelog(setup: Setup): Promise<number> {
  const topic = sourceTopic(setup, 'at-least-once');
  const cache = new Cache<number>(path.join(fs.mkdtempSync(path.join(setup.tmp, 'writer-')), CACHE_NAME), { changelog: { source: topic } });
  const start = performance.now();
  for (let base = 0; base < KEYS; base += 1_000) {
    await Promise.all(Array.from({ length: Math.min(1_000, KEYS - base) }, (_, j) => cache.put(keyOf(base + j), valueOf(base + j))));
  }
  await cache.flush(); // logged (and acknowledged) by now
  const ms = performance.now() - start;
  await cache.close();
  await topic.close();
  return ms;
}

interface RunResult {
  /** From the assignment to the last partition's restore done. */
  restoreMs: number;
  /** From the first partition's restore start (the restore consumer joined) to the last one done. */
  readMs: number;
  /** Changelog records read (barrier records included). */
  records: number;
  verified: boolean;
  note?: string;
}

async function restoreOnce(setup: Setup, guarantee: Guarantee): Promise<RunResult> {
  let assigned: number | undefined;
  let firstStarted: number | undefined;
  const done = new Map<number, { at: number; restored: number }>();
  let allDone!: () => void;
  const finished = new Promise<void>((resolve) => (allDone = resolve));
  const topic = sourceTopic(setup, guarantee, {
    onConsumerState: (state) => {
      if (state === 'connected') assigned ??= performance.now();
    },
    onRestore: (progress: CacheRestoreProgress) => {
      firstStarted ??= performance.now();
      if (!progress.done) return;
      done.set(progress.partition, { at: performance.now(), restored: progress.restored });
      if (done.size === PARTITIONS) allDone();
    },
  });
  const dir = fs.mkdtempSync(path.join(setup.tmp, `${guarantee}-`));
  const cache = new Cache<number>(path.join(dir, CACHE_NAME), { changelog: { source: topic } });
  try {
    await cache.ready(); // its changelog is attached before the first assignment
    await topic.getConsumer(); // joins the group: the assignment starts the restores
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`not restored within 120 s: ${done.size} partitions done`)), 120_000).unref());
    await Promise.race([finished, timeout]);
    const last = Math.max(...[...done.values()].map((d) => d.at));
    const records = [...done.values()].reduce((sum, d) => sum + d.restored, 0);
    let count = 0;
    let wrong = 0;
    for await (const [key, value] of cache.items()) {
      count++;
      if (value !== valueOf(Number(String(key).slice(1)))) wrong++;
    }
    const problems = [count !== KEYS && `${count} keys restored, expected ${KEYS}`, wrong > 0 && `${wrong} keys with a wrong value`].filter(Boolean);
    return {
      restoreMs: last - (assigned as number),
      readMs: last - (firstStarted as number),
      records,
      verified: problems.length === 0,
      note: problems.join('; ') || undefined,
    };
  } finally {
    await topic.close();
    await cache.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const prefix = `bench-restore-${Date.now().toString(36)}`;
  const setup: Setup = { source: `${prefix}-in`, groupId: `${prefix}-g`, tmp: fs.mkdtempSync(path.join(os.tmpdir(), 'slipstream-restore-')) };
  const kafka = benchKafka(brokers);
  const admin = kafka.admin();
  await admin.connect();
  try {
    await createTopic(kafka, setup.source, PARTITIONS);
    console.log(`restore: writing ${KEYS.toLocaleString('en')} keys through a changelog cache…`);
    const writeMs = await writeChangelog(setup);
    const results = new Map<Guarantee, RunResult[]>(GUARANTEES.map((g) => [g, []]));
    for (let run = 0; run < RUNS; run++) {
      // Alternate which guarantee goes first.
      for (const guarantee of run % 2 === 0 ? GUARANTEES : [...GUARANTEES].reverse()) {
        const result = await restoreOnce(setup, guarantee);
        results.get(guarantee)!.push(result);
        console.log(
          `  run ${run + 1}/${RUNS} ${guarantee}: ${Math.round(result.restoreMs)} ms from assignment (reading ${Math.round(result.readMs)} ms), ` +
            `${result.records} changelog records${result.verified ? ', verified' : `, NOT verified: ${result.note}`}`,
        );
      }
    }
    const rows = [...results].map(([guarantee, runs]) => {
      const good = runs.filter((r) => r.verified);
      const restoreMs = good.map((r) => Math.round(r.restoreMs));
      return {
        guarantee,
        medianRestoreMs: good.length ? median(restoreMs) : null,
        minRestoreMs: good.length ? Math.min(...restoreMs) : null,
        maxRestoreMs: good.length ? Math.max(...restoreMs) : null,
        restoreMs: runs.map((r) => Math.round(r.restoreMs)),
        medianReadMs: good.length ? median(good.map((r) => Math.round(r.readMs))) : null,
        readMs: runs.map((r) => Math.round(r.readMs)),
        keysPerSec: good.length ? Math.round(KEYS / (median(restoreMs) / 1000)) : null,
        verifiedRuns: good.length,
        runs: runs.length,
      };
    });
    console.log(
      `\nrestore: ${KEYS.toLocaleString('en')} keys from a changelog of ${PARTITIONS} partitions into an empty cache, ${RUNS} interleaved runs each; ` +
        `load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}; Node ${process.version}\n`,
    );
    console.log('| guarantee | median ms from assignment | min–max ms | median ms reading | keys/s | verified runs |');
    console.log('|---|--:|--:|--:|--:|--:|');
    for (const row of rows) {
      const range = row.verifiedRuns ? `${row.minRestoreMs}–${row.maxRestoreMs}` : '—';
      console.log(
        `| ${row.guarantee} | ${row.medianRestoreMs?.toLocaleString('en') ?? '—'} | ${range} | ${row.medianReadMs?.toLocaleString('en') ?? '—'} | ` +
          `${row.keysPerSec?.toLocaleString('en') ?? '—'} | ${row.verifiedRuns}/${row.runs} |`,
      );
    }
    writeResults('restore', {
      keys: KEYS,
      partitions: PARTITIONS,
      runs: RUNS,
      writeMs: Math.round(writeMs),
      timed: "restoreMs: from the source consumer's assignment to the last partition's restore done; readMs: from the first restore's start (the restore consumer joined) to the same",
      results: rows,
    });
  } finally {
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
    fs.rmSync(setup.tmp, { recursive: true, force: true });
  }
}

runBench(main);
