import { type ChangelogSource, isChangelogSource } from '../interfaces';

/** A changelog cache's source and, optionally, its changelog topic. */
export interface ChangelogOptions {
  /** The topic whose records the cache's state is kept for (a `Topic` with a `groupId`). */
  source: ChangelogSource;
  /** The changelog topic (default `${groupId}-<directory name>[-<column family>]-changelog`). */
  topic?: string;
}

/** Options of one column family (applied when the database is opened). */
export interface ColumnFamilyOptions {
  /**
   * Size of the SST files a memtable flush writes, in bytes (default 25 MB,
   * the seed's target table size). rocksdb-native exposes no
   * `target_file_size_base`, so this sets the memtable size (`writeBufferSize`),
   * which is what sizes level-0 tables.
   */
  targetTableSize?: number;
  /** Memtables kept in memory before writes stall (default 2). */
  maxWriteBufferNumber?: number;
  /** Any other rocksdb-native column-family option (e.g. `tableBlockSize`, `enableBlobFiles`). */
  engine?: Record<string, unknown>;
}

export interface CacheOptions extends ColumnFamilyOptions {
  /** Column family this cache reads and writes (default `'default'`). */
  columnFamily?: string;
  /** Create `columnFamily` when the database lacks it (default true). */
  createColumnFamilyIfMissing?: boolean;
  /** Size of the transaction lock pool (default 16). */
  numberOfLocks?: number;
  /**
   * Open without taking the directory lock, as a follower of a process that
   * writes it; `tryCatchUpWithPrimary()` then reloads. Writes are refused.
   */
  readOnly?: boolean;
  /** Give up opening after this many ms with a clear error (default 10 s). */
  openTimeout?: number;
  /** Entries an iterator fetches per native call (default 1024). */
  iteratorCapacity?: number;
  /**
   * Database-wide rocksdb-native options (e.g. `maxBackgroundJobs`,
   * `maxOpenFiles`, `walRecoveryMode`). The first cache that opens a
   * directory in a process decides them.
   */
  database?: Record<string, unknown>;
  /**
   * Write-back (default true): a resolved write is in memory and becomes
   * durable at the next flush — within `flushInterval`, at the stream's
   * commit barrier, or at `await cache.flush()`. `false`: each write resolves
   * once it is in RocksDB (writes made at the same time still share one batch).
   * Reads see every write either way.
   */
  writeBack?: boolean;
  /**
   * Changed keys buffered per column family at most (default 50,000): a
   * flush starts at half of it, and a write that fills it waits for the
   * flush. A key changed again before the flush is written once: the larger
   * the buffer, the fewer writes a stream with hot keys makes.
   */
  bufferKeys?: number;
  /**
   * Buffered changes are written at most this many ms after they were made
   * (default 1,000: a stream's commit barrier flushes every second anyway,
   * with the consumer's default `autoCommitInterval`).
   */
  flushInterval?: number;
  /**
   * Values of this many recently used keys kept in memory per column family
   * (default 100,000; 0: none). A column family that fits (and holds at most
   * 64 MiB) is read whole at its first miss; while it keeps fitting, reads
   * of keys it does not have need no RocksDB call.
   */
  hotKeys?: number;
  /**
   * Scale-out: flushed writes also go to a compacted changelog topic, to the
   * partition of the source record being handled, and each partition's
   * state is restored from it when the partition is assigned, before its
   * first record is handled. See the README, "Running several instances".
   */
  changelog?: ChangelogOptions;
}

/**
 * Every option a `Cache` understands: anything else is a mistake (a typo
 * would otherwise silently fall back to a default).
 */
const CACHE_OPTIONS: ReadonlySet<string> = new Set<keyof CacheOptions>([
  'targetTableSize',
  'maxWriteBufferNumber',
  'engine',
  'columnFamily',
  'createColumnFamilyIfMissing',
  'numberOfLocks',
  'readOnly',
  'openTimeout',
  'iteratorCapacity',
  'database',
  'writeBack',
  'bufferKeys',
  'flushInterval',
  'hotKeys',
  'changelog',
]);

export const DEFAULT_TARGET_TABLE_SIZE = 25 * 1024 * 1024;
export const DEFAULT_OPEN_TIMEOUT = 10_000;
export const DEFAULT_ITERATOR_CAPACITY = 1024;
export const DEFAULT_NUMBER_OF_LOCKS = 16;
export const DEFAULT_BUFFER_KEYS = 50_000;
export const DEFAULT_FLUSH_INTERVAL = 1_000;
export const DEFAULT_HOT_KEYS = 100_000;

/** Throws a TypeError naming the first option that is unknown or has a bad value. */
export function validateCacheOptions(options: CacheOptions): void {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(`Cache options must be an object, got ${String(options)}`);
  }
  const unknown = Object.keys(options).filter((name) => !CACHE_OPTIONS.has(name));
  if (unknown.length > 0) {
    throw new TypeError(`Unknown Cache option(s): ${unknown.join(', ')} (known: ${[...CACHE_OPTIONS].join(', ')})`);
  }
  const { writeBack, bufferKeys, flushInterval, hotKeys } = options;
  if (writeBack !== undefined && typeof writeBack !== 'boolean') {
    throw new TypeError(`Cache option writeBack must be true or false, got ${String(writeBack)}`);
  }
  if (bufferKeys !== undefined && !(Number.isInteger(bufferKeys) && bufferKeys >= 1)) {
    throw new TypeError(`Cache option bufferKeys must be an integer >= 1, got ${String(bufferKeys)}`);
  }
  if (flushInterval !== undefined && !(Number.isFinite(flushInterval) && flushInterval > 0)) {
    throw new TypeError(`Cache option flushInterval must be a number of ms > 0, got ${String(flushInterval)}`);
  }
  if (hotKeys !== undefined && !(Number.isInteger(hotKeys) && hotKeys >= 0)) {
    throw new TypeError(`Cache option hotKeys must be an integer >= 0, got ${String(hotKeys)}`);
  }
  if (options.changelog !== undefined) validateChangelog(options.changelog, options.readOnly === true);
}

function validateChangelog(changelog: ChangelogOptions, readOnly: boolean): void {
  if (typeof changelog !== 'object' || changelog === null) {
    throw new TypeError(`Cache option changelog must be an object { source, topic? }, got ${String(changelog)}`);
  }
  const unknown = Object.keys(changelog).filter((name) => name !== 'source' && name !== 'topic');
  if (unknown.length > 0) throw new TypeError(`Unknown Cache changelog option(s): ${unknown.join(', ')} (known: source, topic)`);
  if (!isChangelogSource(changelog.source)) {
    throw new TypeError('Cache option changelog.source must be the Topic whose records the state is kept for');
  }
  if (changelog.topic !== undefined && (typeof changelog.topic !== 'string' || changelog.topic === '')) {
    throw new TypeError(`Cache option changelog.topic must be a topic name, got ${String(changelog.topic)}`);
  }
  if (readOnly) throw new TypeError('A readOnly cache cannot have a changelog: it follows the process that writes it');
}

/** rocksdb-native `ColumnFamily` options for `options`. */
export function engineColumnFamilyOptions(options: ColumnFamilyOptions): Record<string, unknown> {
  return {
    ...options.engine,
    writeBufferSize: options.targetTableSize ?? DEFAULT_TARGET_TABLE_SIZE,
    maxWriteBufferNumber: options.maxWriteBufferNumber ?? 2,
  };
}
