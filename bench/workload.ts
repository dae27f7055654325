// The end-to-end workload (issue 10), shared by the orchestrator (bench/e2e.ts)
// and its Node.js contenders (bench/e2e-worker.ts): input message i, and what
// the output must hold once every input message was processed.
import type { BenchMessage } from './support';

export const USERS = 10_000;
export const PARTITIONS = 6;
const BASE_TS = 1_700_000_000_000;

export interface InputValue {
  user: string;
  amount: number;
  ts: number;
}

export interface OutputValue {
  user: string;
  total: number;
}

export function userOf(i: number): string {
  return `u${i % USERS}`;
}

/** 1..1000, spread so that totals differ between users. */
export function amountOf(i: number): number {
  return 1 + ((i * 7_919) % 1_000);
}

/** Input message i, keyed by its user (so a user's messages are in order on one partition). */
export function inputMessage(i: number): BenchMessage {
  const value: InputValue = { user: userOf(i), amount: amountOf(i), ts: BASE_TS + i };
  return { key: value.user, value: JSON.stringify(value) };
}

/** Every user's final total after the first `messages` input messages. */
export function expectedTotals(messages: number): Map<string, number> {
  const totals = new Map<string, number>();
  for (let i = 0; i < messages; i++) totals.set(userOf(i), (totals.get(userOf(i)) ?? 0) + amountOf(i));
  return totals;
}

/** What a contender process is given (as one JSON argument). */
export interface WorkerArgs {
  brokers: string[];
  messages: number;
  input: string;
  output: string;
  groupId: string;
  /** RocksDB directory for the running totals. */
  db: string;
  /** The compiled library to load (another build, for before/after comparisons). */
  lib?: string;
  /** Print a `MemorySample` every second (`--memory`). */
  memory?: boolean;
  /** Hand out no record before the consumer group has this many members (the processes of `lib-x2`). */
  members?: number;
}

/** A contender's memory at one second of its run (MB), as `--memory` reports it. */
export interface MemorySample {
  /** Seconds since the contender started. */
  s: number;
  rssMb: number;
  /** The main thread's V8 heap (a worker thread's heap counts only in rssMb). */
  heapUsedMb: number;
  heapTotalMb: number;
  /** Memory of JavaScript objects held outside the V8 heap (Buffers, arrayBuffersMb included). */
  externalMb: number;
  arrayBuffersMb: number;
  /** RocksDB's memtables, block cache and index/filter readers (the `lib` contender). */
  memtablesMb?: number;
  blockCacheMb?: number;
  tableReadersMb?: number;
}
