/**
 * Typed view of the part of `rocksdb-native` (a JavaScript package without
 * type declarations) that the cache uses. Keys and values are always Buffers
 * here: the cache encodes them itself.
 */

export interface EngineReadBatch {
  get(key: Buffer): Promise<Buffer | null>;
  tryFlush(): void;
}

export interface EngineWriteBatch {
  tryPut(key: Buffer, value: Buffer): void;
  tryDelete(key: Buffer): void;
  tryDeleteRange(start: Buffer, end: Buffer): void;
  flush(): Promise<void>;
}

export interface EngineRange {
  gte?: Buffer;
  lt?: Buffer;
  lte?: Buffer;
}

export interface EngineIteratorOptions {
  reverse: boolean;
  limit: number;
  capacity: number;
  values: boolean;
}

export interface EngineIterator extends AsyncIterable<{ key: Buffer; value: Buffer | null }> {
  destroy(): void;
}

/** A rocksdb-native session: the root handle, a column family, or a snapshot. */
export interface EngineSession {
  ready(): Promise<void>;
  close(): Promise<void>;
  columnFamily(name: string): EngineSession;
  snapshot(): EngineSession;
  /** Batches must be destroyed or `close()` never resolves: always pass `autoDestroy: true`. */
  read(options: { capacity: number; autoDestroy: true }): EngineReadBatch;
  write(options: { capacity: number; autoDestroy: true }): EngineWriteBatch;
  iterator(range: EngineRange, options: EngineIteratorOptions): EngineIterator;
  get(key: Buffer): Promise<Buffer | null>;
  put(key: Buffer, value: Buffer): Promise<void>;
  flush(): Promise<void>;
  readonly _state: {
    compactRange(db: EngineSession, start: Buffer | null, end: Buffer | null, options: object): Promise<void>;
  };
  getProperty(name: string): Promise<string | undefined>;
}

export interface EngineColumnFamily {
  readonly name: string;
}

export interface EngineModule {
  new (path: string, options: Record<string, unknown>): EngineSession;
  ColumnFamily: new (name: string, options: Record<string, unknown>) => EngineColumnFamily;
}

export const RocksDB = require('rocksdb-native') as EngineModule;

/**
 * `session.compactRange(start, end)` mistakes a Buffer `end` for its options
 * object (it tests `typeof end === 'object'`) and compacts everything, so
 * call the method it delegates to.
 */
export function compactRange(db: EngineSession, start: Buffer | null, end: Buffer | null): Promise<void> {
  return db._state.compactRange(db, start, end, {});
}
