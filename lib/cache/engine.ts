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

/**
 * rocksdb-native could not be loaded: it has prebuilt binaries for some
 * platforms only (see the README), so on others a store cannot open while
 * everything that does not use one keeps working.
 */
export class EngineUnavailableError extends Error {
  override readonly name = 'EngineUnavailableError';

  constructor(
    /** `process.platform-process.arch`, with `-musl` on a Linux without glibc, as rocksdb-native names its prebuilds. */
    readonly platform: string,
    /** What the loader said. */
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`RocksDB is not available on this platform: ${platform} (rocksdb-native did not load: ${reason})`, options);
  }
}

let engine: EngineModule | undefined;

/**
 * rocksdb-native, loaded at the first open rather than at import, so that
 * the library and the nodes that use no store load where it cannot.
 */
export function loadEngine(): EngineModule {
  if (!engine) {
    try {
      engine = require('rocksdb-native') as EngineModule;
    } catch (err) {
      throw new EngineUnavailableError(enginePlatform(), loaderMessage(err as Error), { cause: err });
    }
  }
  return engine;
}

/** The loader's message and its causes': "Cannot load addon …" has the dynamic linker's complaint as its cause. */
function loaderMessage(err: Error): string {
  const cause = err.cause instanceof Error ? `: ${loaderMessage(err.cause)}` : '';
  return `${err.message}${cause}`;
}

function enginePlatform(): string {
  const header = (process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined)?.header;
  const musl = process.platform === 'linux' && header?.glibcVersionRuntime === undefined;
  return `${process.platform}-${process.arch}${musl ? '-musl' : ''}`;
}

/**
 * `session.compactRange(start, end)` mistakes a Buffer `end` for its options
 * object (it tests `typeof end === 'object'`) and compacts everything, so
 * call the method it delegates to.
 */
export function compactRange(db: EngineSession, start: Buffer | null, end: Buffer | null): Promise<void> {
  return db._state.compactRange(db, start, end, {});
}
