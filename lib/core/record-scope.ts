import { AsyncLocalStorage } from 'node:async_hooks';

/** The topic and partition of a record being handled. */
export interface RecordPartition {
  topic: string;
  partition: number;
}

const scope = new AsyncLocalStorage<RecordPartition>();

/**
 * Run `fn` as the handling of `record`: a changelog cache written meanwhile
 * (in `fn` or anything it awaits) logs the write to the record's partition.
 * `stream()` runs handlers this way for sources with changelog caches; code
 * that handles records itself (a Node-RED node) calls it.
 */
export function runForRecord<T>(record: RecordPartition, fn: () => T): T {
  return scope.run(record, fn);
}

/** The record being handled by the caller, if any (see `runForRecord`). */
export function currentRecord(): RecordPartition | undefined {
  return scope.getStore();
}
