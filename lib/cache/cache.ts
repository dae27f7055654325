import fs from 'node:fs';
import nodePath from 'node:path';
import { inspect } from 'node:util';
import { CHANGELOG_SOURCE, type ChangelogPort, ICache, type Key, type LoggedState } from '../interfaces';
import { CacheBatch, deleteOp, putOp, type WriteOp } from './batch';
import { readChangelogOffset, writeChangelogOffsets } from './changelog-offsets';
import { readColumnFamilies, realDirectory } from './directory';
import { compactRange, type EngineSession } from './engine';
import { encodedKey, encodeKey } from './keys';
import { type LiveFile, parseSstables } from './live-files';
import type { LockPool } from './locks';
import {
  type CacheOptions,
  type ColumnFamilyOptions,
  DEFAULT_BUFFER_KEYS,
  DEFAULT_FLUSH_INTERVAL,
  DEFAULT_HOT_KEYS,
  DEFAULT_ITERATOR_CAPACITY,
  DEFAULT_NUMBER_OF_LOCKS,
  DEFAULT_OPEN_TIMEOUT,
  validateCacheOptions,
} from './options';
import { CacheReader, type IterateOptions } from './reader';
import { DEFAULT_COLUMN_FAMILY, Store } from './registry';
import { CacheSnapshot } from './snapshot';
import { type Columns, type Dumps, type Loads, ValueCodec } from './values';
import type { Stored, WriteBack } from './write-back';

/** What a write that needs no waiting returns (one promise, shared). */
const RESOLVED: Promise<void> = Promise.resolve();

/**
 * A RocksDB database (one column family of it) as a slipstream cache.
 *
 * ```ts
 * const cache = new Cache('state/demo');
 * await cache('key', { msg: 'Hello World!' }); // store and publish
 * await cache.get('key'); // { msg: 'Hello World!' }
 * ```
 *
 * Opens lazily on first use (or `await cache.ready()`); caches on the same
 * directory share one handle. Call `close()` when done.
 *
 * Write-back: writes are buffered and written in batches (see `WriteBack`);
 * a resolved `put` is durable after the next flush — within `flushInterval`,
 * at the stream's commit barrier, or at `await cache.flush()` — unless the
 * cache was made with `{ writeBack: false }`.
 */
export class Cache<V = unknown> extends ICache<V> {
  /** The path as given, made absolute. */
  private readonly absolutePath: string;
  /** With symlinks resolved: what identifies the database in this process. */
  private readonly realPath: string;
  private readonly family: string;
  /** `updatesTopic`, made once: every write asks for it. */
  private readonly topicOfUpdates: string;
  private readonly options: CacheOptions;
  private readonly store: Store;
  private readonly codec = new ValueCodec();
  private readonly locks: LockPool;
  private readonly state: WriteBack;
  /** Iterations; they flush the buffered changes first. */
  private readonly reader: CacheReader<V>;
  /** Where flushed writes are logged (option `changelog`). */
  private readonly changelog: ChangelogPort | undefined;
  private closed = false;

  constructor(path: string, options: CacheOptions = {}) {
    super();
    if (typeof path !== 'string' || path.trim() === '') {
      throw new TypeError(`Cache path must be a non-empty string (a directory), got ${inspect(path)}`);
    }
    validateCacheOptions(options);
    this.absolutePath = nodePath.resolve(path);
    this.realPath = realDirectory(this.absolutePath);
    this.family = options.columnFamily ?? DEFAULT_COLUMN_FAMILY;
    this.topicOfUpdates = `slipstream:cache:${this.realPath}#${this.family}`;
    this.options = options;
    this.store = Store.acquire(this.realPath, {
      readOnly: options.readOnly === true,
      openTimeout: options.openTimeout ?? DEFAULT_OPEN_TIMEOUT,
      database: options.database ?? {},
    });
    this.locks = this.store.locks(this.family, options.numberOfLocks ?? DEFAULT_NUMBER_OF_LOCKS);
    this.state = this.store.writeBack(
      this.family,
      {
        bufferKeys: options.bufferKeys ?? DEFAULT_BUFFER_KEYS,
        flushInterval: options.flushInterval ?? DEFAULT_FLUSH_INTERVAL,
        hotKeys: options.hotKeys ?? DEFAULT_HOT_KEYS,
      },
      options,
      options.createColumnFamilyIfMissing !== false,
    );
    this.reader = new CacheReader<V>(
      () => this.flushed(),
      this.codec,
      options.iteratorCapacity ?? DEFAULT_ITERATOR_CAPACITY,
      this.store.iterators,
    );
    if (options.changelog) {
      const { source, topic } = options.changelog;
      const port = source[CHANGELOG_SOURCE](this.loggedState(), { topic });
      try {
        this.state.attachChangelog({
          port,
          transactional: port.transactional,
          record: (offsets) => writeChangelogOffsets(this.store, this.family, port.topic, offsets),
        });
      } catch (err) {
        port.detach(); // the source must not restore a cache that does not exist
        throw err;
      }
      this.changelog = port;
    }
  }

  /** Caches on the same database and column family publish to the same topic. */
  protected override get updatesTopic(): string {
    return this.topicOfUpdates;
  }

  /** Open the database now (otherwise it opens on first use). */
  async ready(): Promise<this> {
    await this.session();
    return this;
  }

  path(): string {
    return this.absolutePath;
  }

  setDumps(dumps: Dumps): void {
    this.codec.dumps = dumps;
  }

  setLoads(loads: Loads): void {
    this.codec.loads = loads;
  }

  // Reads

  /** Not an async function: a value in memory is returned without a further microtask (the per-record path). */
  get(key: Key, defaultValue?: V): Promise<V | undefined> {
    try {
      const stored = this.read(key);
      if (stored instanceof Promise) return stored.then((value) => this.decoded(value, defaultValue));
      return Promise.resolve(this.decoded(stored, defaultValue));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  async has(key: Key): Promise<boolean> {
    return (await this.read(key)) !== null;
  }

  /** Values of `keys` (`undefined` for missing keys); the ones not in memory are read in one batch. */
  async getMany(keys: Key[]): Promise<Array<V | undefined>> {
    const encoded = keys.map(encodedKey);
    this.assertOpen();
    const stored = await Promise.all(encoded.map((key) => this.state.read(key)));
    return stored.map((value) => (value === null ? undefined : (this.codec.decode(value) as V)));
  }

  /** rocksdb-native has no KeyMayExist: this answers exactly (no false positives), with a read. */
  keyMayExist(key: Key): Promise<boolean> {
    return this.has(key);
  }

  async getEntity(key: Key, defaultValue?: Columns): Promise<Columns | undefined> {
    const stored = await this.read(key);
    return stored === null ? defaultValue : this.codec.decodeEntity(stored);
  }

  keys(options?: IterateOptions): AsyncGenerator<Key> {
    return this.reader.keys(options);
  }

  values(options?: IterateOptions): AsyncGenerator<V> {
    return this.reader.values(options);
  }

  items(options?: IterateOptions): AsyncGenerator<[Key, V]> {
    return this.reader.items(options);
  }

  entities(options?: IterateOptions): AsyncGenerator<[Key, Columns]> {
    return this.reader.entities(options);
  }

  columns(options?: IterateOptions): AsyncGenerator<Columns> {
    return this.reader.columns(options);
  }

  /** A point-in-time view of this column family; close it when done. */
  async snapshot(): Promise<CacheSnapshot<V>> {
    const session = await this.flushed();
    return new CacheSnapshot<V>(this.store, session.snapshot(), this.codec, this.iteratorCapacity);
  }

  // Writes — all of them go through `commit`, into the write-back buffer.

  put(key: Key, value: V): Promise<void> {
    return this.commit(() => [putOp(key, this.codec.encode(value))]);
  }

  delete(key: Key): Promise<void> {
    return this.commit(() => [deleteOp(key)]);
  }

  /** Store wide columns: `getEntity(key)` gives back `[[name, value], …]`. */
  putEntity(key: Key, names: unknown[], values: unknown[]): Promise<void> {
    return this.commit(() => [putOp(key, this.codec.encodeEntity(names, values))]);
  }

  /** Delete keys from `begin` (included) to `end` (excluded); resolves once written, with every change before it. */
  deleteRange(begin: Key, end: Key): Promise<void> {
    return this.commit(() => [{ type: 'deleteRange', begin: encodeKey(begin), end: encodeKey(end) }]);
  }

  /** A batch for `write(batch)`: its writes are applied atomically, all or none. */
  batch(): CacheBatch {
    return new CacheBatch(this.batchOwner, this.codec);
  }

  async write(batch: CacheBatch): Promise<void> {
    if (!(batch instanceof CacheBatch) || batch.owner !== this.batchOwner) {
      throw new Error('write() takes a batch made by batch() of a cache on the same database and column family');
    }
    await this.commit(() => batch.ops);
  }

  /**
   * Run `fn(cache)` holding the lock of `key` (one of `numberOfLocks`):
   * transactions on one key run one after another, first come first served.
   * Reads and writes outside transactions are not blocked.
   */
  transaction<T>(key: Key, fn: (cache: this) => Promise<T> | T): Promise<T> {
    try {
      this.assertOpen();
      return this.locks.run(encodeKey(key), fn, this);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  // Column families

  /** Create a column family (the shared handle reopens to add it) and return a cache on it. */
  async createColumnFamily(name: string, options: ColumnFamilyOptions = {}): Promise<Cache<V>> {
    this.assertOpen();
    await this.store.createColumnFamily(name, options);
    return this.view(name, { ...options, createColumnFamilyIfMissing: false });
  }

  /** A cache on an existing column family of this database (it fails on first use if missing). */
  getColumnFamily<T = V>(name: string): Cache<T> {
    this.assertOpen();
    return this.view<T>(name, { createColumnFamilyIfMissing: false });
  }

  dropColumnFamily(name: string): Promise<void> {
    return Promise.reject(
      unsupported(
        `dropColumnFamily("${name}")`,
        'the column family stays; empty it with getColumnFamily(name).deleteRange(...) or a batch of deletes',
      ),
    );
  }

  /** Column families of the database in `path`, read from its newest OPTIONS file. */
  static async listCf(path: string): Promise<string[]> {
    const families = readColumnFamilies(nodePath.resolve(path));
    if (families.length === 0) throw new Error(`No RocksDB database at ${nodePath.resolve(path)}`);
    return families;
  }

  // Maintenance

  /** Compact keys from `begin` to `end` (either omitted: from the start / to the end). */
  async compactRange(begin?: Key | null, end?: Key | null): Promise<void> {
    const start = begin == null ? null : encodeKey(begin);
    const stop = end == null ? null : encodeKey(end);
    await compactRange(await this.flushed(), start, stop);
  }

  /**
   * Write the buffered changes of this column family (made through any
   * `Cache` on it) to RocksDB, then its memtable to an SST file. Once it
   * resolves, every write that resolved before the call survives a crash.
   */
  async flush(): Promise<void> {
    await (await this.flushed()).flush();
  }

  /**
   * Make every acknowledged write durable on disk. rocksdb-native has no
   * FlushWAL/SyncWAL, so this flushes the memtables of every column family
   * (SST files and the manifest are synced); `sync` is accepted for the
   * seed's signature.
   */
  async flushWal(_sync = true): Promise<void> {
    this.assertOpen();
    await this.store.flushWriteBacks();
    for (const family of this.store.columnFamilies) {
      await (this.store.session(family) ?? (await this.store.openColumnFamily(family, {}, false))).flush();
    }
  }

  propertyValue(name: string): Promise<string | undefined> {
    return this.property(name);
  }

  async propertyIntValue(name: string): Promise<number | undefined> {
    const value = await this.property(name);
    return value !== undefined && /^\d+$/.test(value) ? Number(value) : undefined;
  }

  /** SST files of every column family, from the `rocksdb.sstables` property. */
  async liveFiles(): Promise<LiveFile[]> {
    await this.session();
    await this.store.flushWriteBacks();
    const files: LiveFile[] = [];
    for (const family of this.store.columnFamilies) {
      const session = this.store.session(family) ?? (await this.store.openColumnFamily(family, {}, false));
      files.push(...parseSstables((await session.getProperty('rocksdb.sstables')) ?? '', family));
    }
    return files;
  }

  latestSequenceNumber(): Promise<number> {
    return Promise.reject(unsupported('latestSequenceNumber()', 'liveFiles() gives the sequence numbers of flushed files'));
  }

  setOptions(_options: Record<string, string>): Promise<void> {
    return Promise.reject(
      unsupported('setOptions()', 'pass options to new Cache(path, options) or createColumnFamily(); they apply at open'),
    );
  }

  /** Follow the writer: a `readOnly` cache reopens its handle to see what was written since. */
  async tryCatchUpWithPrimary(): Promise<void> {
    this.assertOpen();
    if (!this.store.readOnly) {
      throw new Error('tryCatchUpWithPrimary() is for caches opened with { readOnly: true }');
    }
    await this.store.reload();
  }

  ingestExternalFile(_paths: string[]): Promise<void> {
    return Promise.reject(unsupported('ingestExternalFile()', 'write the entries with batch() and write(batch)'));
  }

  cancelAllBackground(_wait = true): Promise<void> {
    return Promise.reject(unsupported('cancelAllBackground()', 'close() waits for background work and stops it'));
  }

  static repair(_path: string): Promise<void> {
    return Promise.reject(
      unsupported(
        'Cache.repair()',
        'open it with { database: { bestEffortsRecovery: true } } to recover what can be read',
      ),
    );
  }

  /**
   * Write the buffered changes and release this cache; the last cache on a
   * directory closes the database (memtables are flushed). Rejects if the
   * changes could not be written (the cache is released all the same).
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.state.flush();
    } finally {
      this.changelog?.detach();
      await this.store.release();
    }
  }

  /** Close and delete the database directory. Other caches on it must be closed first. */
  async destroy(): Promise<void> {
    await this.close();
    if (Store.isOpen(this.realPath)) {
      throw new Error(`Cannot destroy ${this.absolutePath}: other caches still have it open`);
    }
    fs.rmSync(this.realPath, { recursive: true, force: true });
  }

  /** The one place every write goes through (into the write-back buffer, tagged with its changelog partition). */
  /**
   * Buffer the writes `ops()` makes (encoding errors reject). Not an async
   * function: a write that fits the buffer resolves without further
   * microtasks (the per-record path).
   */
  private commit(ops: () => WriteOp[]): Promise<void> {
    try {
      const writes = ops();
      // Open first: a directory that cannot be opened fails the write itself.
      const session = this.session();
      return session instanceof Promise ? session.then(() => this.buffer(writes)) : this.buffer(writes);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** `commit` once open: resolves when buffered, or once flushed when the buffer was full (or write-back is off). */
  private buffer(ops: WriteOp[]): Promise<void> {
    if (this.store.readOnly) throw new Error(`Cache at ${this.absolutePath} is read-only`);
    if (ops.length === 0) return RESOLVED;
    const partition = this.changelog?.partitionOfWrite();
    if (partition === null) return RESOLVED; // the partition moved away while its record was handled: its new owner handles it again
    const full = this.state.write(ops, partition) ?? RESOLVED;
    return this.options.writeBack === false ? full.then(() => this.state.flush()) : full;
  }

  private decoded(stored: Stored, defaultValue: V | undefined): V | undefined {
    return stored === null ? defaultValue : (this.codec.decode(stored) as V);
  }

  /** This cache as its changelog's source sees it. */
  private loggedState(): LoggedState {
    const base = nodePath.basename(this.realPath);
    return {
      name: this.family === DEFAULT_COLUMN_FAMILY ? base : `${base}-${this.family}`,
      restoredUpTo: (topic, partition) => readChangelogOffset(this.store, this.family, topic, partition),
      restore: async (topic, partition, changes, nextOffset) => {
        await this.state.restore(changes);
        await writeChangelogOffsets(this.store, this.family, topic, new Map([[partition, nextOffset]]));
      },
      flush: () => this.state.flush(),
      commitLogged: () => this.state.commitLogged(),
      discardLogged: () => this.state.discardLogged(),
    };
  }

  private read(key: Key): Stored | Promise<Stored> {
    const encoded = encodedKey(key);
    this.assertOpen();
    return this.state.read(encoded);
  }

  /** The session, once the buffered changes are written (for reads that bypass the buffer). */
  private async flushed(): Promise<EngineSession> {
    this.assertOpen();
    await this.state.flush();
    return this.session();
  }

  private session(): EngineSession | Promise<EngineSession> {
    this.assertOpen();
    return (
      this.store.session(this.family) ??
      this.store.openColumnFamily(this.family, this.options, this.options.createColumnFamilyIfMissing !== false)
    );
  }

  private async property(name: string): Promise<string | undefined> {
    return (await (await this.flushed()).getProperty(name)) ?? undefined;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error(`Cache at ${this.absolutePath} (column family "${this.family}") is closed`);
  }

  private get batchOwner(): string {
    return this.updatesTopic;
  }

  private get iteratorCapacity(): number {
    return this.options.iteratorCapacity ?? DEFAULT_ITERATOR_CAPACITY;
  }

  private view<T>(name: string, options: CacheOptions): Cache<T> {
    const view = new Cache<T>(this.absolutePath, { ...this.options, ...options, columnFamily: name });
    view.setDumps(this.codec.dumps);
    view.setLoads(this.codec.loads);
    return view;
  }
}

function unsupported(member: string, instead: string): Error {
  return new Error(`Cache.${member.replace(/^Cache\./, '')} is not supported: rocksdb-native cannot do it — ${instead}`);
}
