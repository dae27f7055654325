// What every benchmark shares: medians, the results file, the exit code, and
// the bare kafkajs consumer used as the ceiling, filling and reading topics, peak RSS.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Admin, Kafka, type KafkaMessage, logLevel, Partitioners } from 'kafkajs';

export function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

/** A run's rate, if it was verified. */
export interface RateRun {
  verified: boolean;
  msgsPerSec: number | null;
}

export interface PairedRatio {
  median: number;
  min: number;
  max: number;
  /** Rounds in which both runs were verified. */
  rounds: number;
}

/**
 * One contender's rate over another's within each round where both runs were
 * verified (`ours[i]` and `theirs[i]` ran in round i, minutes apart at most),
 * and the median of those: the machine's speed drifts over a bench (the same
 * build can lose a third of its rate in five rounds), which a ratio of
 * medians taken over all rounds mixes in. Null when no round has both.
 */
export function pairedRatio(ours: RateRun[], theirs: RateRun[]): PairedRatio | null {
  const ratios = ours.flatMap((run, round) => {
    const other = theirs[round];
    return run.verified && other?.verified && run.msgsPerSec && other.msgsPerSec ? [run.msgsPerSec / other.msgsPerSec] : [];
  });
  if (ratios.length === 0) return null;
  const precise = (n: number): number => Number(n.toPrecision(3));
  return { median: precise(median(ratios)), min: precise(Math.min(...ratios)), max: precise(Math.max(...ratios)), rounds: ratios.length };
}

/** Write `bench/results/<name>.json` with the machine added; returns its path. */
export function writeResults(name: string, report: object): string {
  const file = resultsPath(name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const machine = { cores: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.arch()}` };
  fs.writeFileSync(file, `${JSON.stringify({ bench: name, date: new Date().toISOString(), machine, ...report }, null, 2)}\n`);
  console.log(`written ${file}`);
  return file;
}

/** Run a benchmark's main and exit (Kafka clients may keep the process alive). */
export function runBench(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

/** The ceiling: kafkajs eachBatch, JSON.parse per message, nothing else. Returns msgs/s from the first batch on. */
export async function bareConsume(kafka: Kafka, topic: string, count: number, groupId = `${topic}-bare`): Promise<number> {
  const consumer = kafka.consumer({ groupId });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let seen = 0;
  let first = 0;
  const ms = await new Promise<number>((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        if (first === 0) first = performance.now();
        for (const message of batch.messages) JSON.parse(String(message.value));
        seen += batch.messages.length;
        if (seen >= count) resolve(performance.now() - first);
      },
    });
  });
  await consumer.disconnect();
  if (seen !== count) throw new Error(`bare consumer saw ${seen} of ${count}`);
  return count / (ms / 1000);
}

/** `bench/results/<name>.json` (the source tree's, from dist/bench). */
export function resultsPath(name: string): string {
  return path.join(__dirname, '..', '..', 'bench', 'results', `${name}.json`);
}

export function brokersFromEnv(): string[] {
  return (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
}

export function benchKafka(brokers: string[], clientId = 'slipstream-bench'): Kafka {
  return new Kafka({ clientId, brokers, logLevel: logLevel.NOTHING });
}

/** Create `topic` with `partitions` partitions and topic `config` entries (no error when it exists). */
export async function createTopic(kafka: Kafka, topic: string, partitions: number, config: Record<string, string> = {}): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const configEntries = Object.entries(config).map(([name, value]) => ({ name, value }));
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions, configEntries }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/** Messages of the bench workloads: a key and a JSON value. */
export type BenchMessage = { key: string; value: string };

/**
 * Produce `count` messages made by `message(i)` in batches of 1,000 (acks -1,
 * murmur2 partitioning) to an existing topic; returns the elapsed ms from the
 * first send to the last acknowledgement.
 */
export async function fillTopic(kafka: Kafka, topic: string, count: number, message: (i: number) => BenchMessage): Promise<number> {
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    const start = performance.now();
    for (let i = 0; i < count; i += 1_000) {
      const messages = Array.from({ length: Math.min(1_000, count - i) }, (_, j) => message(i + j));
      await producer.send({ topic, acks: -1, messages });
    }
    return performance.now() - start;
  } finally {
    await producer.disconnect();
  }
}

/**
 * `admin.fetchTopicOffsets(topic)`, asked again (up to 10 times, 200 ms
 * apart) while the broker answers with a retriable error: a topic a
 * contender has just created may have no leader in the admin's metadata yet
 * (NOT_LEADER_FOR_PARTITION ended a bench once).
 */
export async function topicOffsets(admin: Admin, topic: string): ReturnType<Admin['fetchTopicOffsets']> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (err) {
      if (attempt >= 10 || (err as { retriable?: unknown }).retriable !== true) throw err;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** How many records `topic` holds (sum of its partitions' high watermarks; the topics here are never trimmed). */
export async function topicSize(admin: Admin, topic: string): Promise<number> {
  const offsets = await topicOffsets(admin, topic);
  return offsets.reduce((sum, o) => sum + Number(o.high) - Number(o.low), 0);
}

/**
 * Read every record of `topic` from its start to its current end once, with a
 * throwaway group, read committed (records of aborted transactions skipped);
 * returns how many were read. The end is judged by position, not by count: a
 * transactional topic's offsets include transaction markers, and batches of
 * only markers or aborted records reach END_BATCH_PROCESS but not eachBatch.
 */
export async function readToEnd(kafka: Kafka, topic: string, each: (message: KafkaMessage) => void): Promise<number> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await topicOffsets(admin, topic).finally(() => admin.disconnect())).map((o) => [o.partition, Number(o.high)]));
  const reached = new Set([...ends].filter(([, end]) => end === 0).map(([partition]) => partition));
  if (reached.size === ends.size) return 0;
  const consumer = kafka.consumer({ groupId: `${topic}-reader-${Date.now().toString(36)}` });
  let seen = 0;
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve) => {
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        if (Number(payload.lastOffset) + 1 >= (ends.get(payload.partition) ?? 0)) reached.add(payload.partition);
        if (reached.size === ends.size) resolve();
      });
      void consumer.run({
        eachBatch: async ({ batch }) => {
          for (const message of batch.messages) each(message);
          seen += batch.messages.length;
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

/** How many records of `topic` group `groupId` has committed (all of them once each partition's committed offset is at its end). */
export async function committedCount(admin: Admin, groupId: string, topic: string): Promise<number> {
  const bounds = await topicOffsets(admin, topic);
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  const offsets = new Map(committed.partitions.map((p) => [p.partition, Number(p.offset)]));
  return bounds.reduce((sum, o) => sum + Math.max(0, (offsets.get(o.partition) ?? -1) - Number(o.low)), 0);
}

/** Clock ticks per second of /proc/<pid>/stat's CPU times (`getconf CLK_TCK`; 100 where it cannot be asked). */
let clockTicks: number | undefined;

function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** CPU time a live process used so far, user and system, all its threads, in seconds (Linux: /proc/<pid>/stat), or undefined when gone. */
export function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: count from after its ')'; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond();
  } catch {
    return undefined;
  }
}

/** The peak resident set size of a live process in MB (Linux: VmHWM), or undefined when gone. */
export function peakRssMb(pid: number): number | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /^VmHWM:\s+(\d+) kB/m.exec(status);
    return kb ? Math.round(Number(kb[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}
