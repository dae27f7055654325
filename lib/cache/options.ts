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
}

export const DEFAULT_TARGET_TABLE_SIZE = 25 * 1024 * 1024;
export const DEFAULT_OPEN_TIMEOUT = 10_000;
export const DEFAULT_ITERATOR_CAPACITY = 1024;
export const DEFAULT_NUMBER_OF_LOCKS = 16;

/** rocksdb-native `ColumnFamily` options for `options`. */
export function engineColumnFamilyOptions(options: ColumnFamilyOptions): Record<string, unknown> {
  return {
    ...options.engine,
    writeBufferSize: options.targetTableSize ?? DEFAULT_TARGET_TABLE_SIZE,
    maxWriteBufferNumber: options.maxWriteBufferNumber ?? 2,
  };
}
