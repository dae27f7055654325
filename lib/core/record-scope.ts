import { AsyncLocalStorage } from 'node:async_hooks';

/** The topic and partition of a record being handled. */
export interface RecordPartition {
  topic: string;
  partition: number;
}

const scope = new AsyncLocalStorage<RecordPartition>();
/** Changelog caches and exactly-once consumers that read the scope (see `useRecordScope`). */
let readers = 0;

/**
 * Run `fn` as the handling of `record`: a changelog cache written meanwhile
 * (in `fn` or anything it awaits) logs the write to the record's partition,
 * and an exactly-once consumer's outputs join its transaction. `stream()`
 * runs handlers this way; code that handles records itself (a Node-RED node)
 * calls it. While nothing reads the scope, `fn` just runs: a scope keeps
 * async hooks on, which costs every promise of the process.
 */
export function runForRecord<T>(record: RecordPartition, fn: () => T): T {
  return readers > 0 ? scope.run(record, fn) : fn();
}

/** The record being handled by the caller, if any (see `runForRecord`). */
export function currentRecord(): RecordPartition | undefined {
  return scope.getStore();
}

/** Something reads the scope from now on (a changelog cache, an exactly-once consumer); call the returned function when it stops. */
export function useRecordScope(): () => void {
  readers++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--readers === 0) scope.disable(); // async hooks off again
  };
}
