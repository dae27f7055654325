import { CacheOpenError } from './open-error';
import { ensureExistingDatabase, ensureWritableDirectory, readColumnFamilies } from './directory';
import { type EngineIterator, type EngineSession, loadEngine } from './engine';
import { registerStateFlush } from '../core/commit-barrier';
import { LockPool } from './locks';
import { type ColumnFamilyOptions, engineColumnFamilyOptions } from './options';
import { WriteBack, type WriteBackOptions } from './write-back';

export const DEFAULT_COLUMN_FAMILY = 'default';

export interface StoreOptions {
  readOnly: boolean;
  openTimeout: number;
  database: Record<string, unknown>;
}

/** Open stores by mode and real path (symlinks resolved): RocksDB allows one handle per directory per process. */
const stores = new Map<string, Store>();

/**
 * One rocksdb-native handle on one directory, shared by every `Cache` on it
 * and reference counted. Every column family must be named when RocksDB
 * opens, so adding one closes and reopens the handle; caches therefore ask
 * the store for their session on each operation instead of keeping it.
 */
export class Store {
  /** Bumped on every open and close: snapshots of an older generation are gone. */
  generation = 0;
  readonly iterators = new Set<EngineIterator>();
  private refs = 0;
  private db: EngineSession | null = null;
  private readonly sessions = new Map<string, EngineSession>();
  private readonly families = new Map<string, ColumnFamilyOptions>();
  /** Transaction locks per column family, shared by every `Cache` on it. */
  private readonly lockPools = new Map<string, LockPool>();
  /** Write-back state per column family, shared by every `Cache` on it, and its commit-barrier registration. */
  private readonly writeBacks = new Map<string, { state: WriteBack; unregister: () => void }>();
  /** Serializes open, reopen and close. */
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly path: string,
    private readonly key: string,
    private readonly options: StoreOptions,
  ) {}

  /** `realPath`: absolute, symlinks resolved (`realDirectory`). */
  static acquire(realPath: string, options: StoreOptions): Store {
    const key = `${options.readOnly ? 'ro' : 'rw'}:${realPath}`;
    let store = stores.get(key);
    if (!store) stores.set(key, (store = new Store(realPath, key, options)));
    store.refs++;
    return store;
  }

  static isOpen(realPath: string): boolean {
    return stores.has(`rw:${realPath}`) || stores.has(`ro:${realPath}`);
  }

  /**
   * The transaction lock pool of `family`, so that transactions on one key
   * serialize across every `Cache` object on this database. The first cache
   * to ask decides its size.
   */
  locks(family: string, size: number): LockPool {
    let pool = this.lockPools.get(family);
    if (!pool) this.lockPools.set(family, (pool = new LockPool(size)));
    return pool;
  }

  /**
   * The write-back state of `family`, shared by every `Cache` object on this
   * database so that each sees the others' writes; flushed at every commit
   * barrier while the database is open. The first cache to ask decides its
   * options and how the family opens.
   */
  writeBack(family: string, options: WriteBackOptions, open: ColumnFamilyOptions, create: boolean): WriteBack {
    let entry = this.writeBacks.get(family);
    if (!entry) {
      const state = new WriteBack(
        () => this.sessions.get(family) ?? this.openColumnFamily(family, open, create),
        // A follower reads what another process writes: nothing of it may be kept.
        this.readOnly ? { ...options, hotKeys: 0 } : options,
        { path: this.path, columnFamily: family },
        this.iterators,
      );
      entry = { state, unregister: registerStateFlush(() => state.flush()) };
      this.writeBacks.set(family, entry);
    }
    return entry.state;
  }

  /** Flush the write-back state of every column family (before whole-database reads such as `liveFiles`). */
  async flushWriteBacks(): Promise<void> {
    await Promise.all([...this.writeBacks.values()].map(({ state }) => state.flush()));
  }

  /** Column families known to the open handle. */
  get columnFamilies(): string[] {
    return [...this.families.keys()];
  }

  get readOnly(): boolean {
    return this.options.readOnly;
  }

  /** The session of `family` if the handle is open and has it, without waiting. */
  session(family: string): EngineSession | undefined {
    return this.sessions.get(family);
  }

  /** Open the handle (or reopen it with `family` added) and return the family's session. */
  openColumnFamily(family: string, options: ColumnFamilyOptions, create: boolean): Promise<EngineSession> {
    return this.exclusive(async () => {
      // A read queued just before the last cache closed must not open the database again (and keep it locked).
      if (this.refs === 0) throw new Error(`Cache at ${this.path} is closed`);
      if (!this.db) await this.open(family, options, create);
      if (!this.families.has(family)) {
        if (!create) throw new Error(`Column family "${family}" does not exist in ${this.path}`);
        this.families.set(family, options);
        await this.reopen();
      }
      return this.sessionOf(family);
    });
  }

  createColumnFamily(family: string, options: ColumnFamilyOptions): Promise<void> {
    return this.exclusive(async () => {
      if (!this.db) await this.open(DEFAULT_COLUMN_FAMILY, {}, true);
      if (this.families.has(family)) throw new Error(`Column family "${family}" already exists in ${this.path}`);
      this.families.set(family, options);
      await this.reopen();
    });
  }

  /** Close and open again: a read-only handle then sees what the writer added since. */
  reload(): Promise<void> {
    return this.exclusive(async () => {
      if (this.db) await this.reopen();
    });
  }

  /** Drop one reference; the last one closes the handle. */
  release(): Promise<void> {
    this.refs--;
    return this.exclusive(async () => {
      if (this.refs > 0) return;
      // Open iterators hold the handle: close() would wait for them forever.
      for (const iterator of this.iterators) iterator.destroy();
      // Every cache flushed its changes when it closed.
      for (const { state, unregister } of this.writeBacks.values()) {
        unregister();
        state.dispose();
      }
      this.writeBacks.clear();
      await this.closeEngine();
      if (this.refs === 0) stores.delete(this.key);
    });
  }

  private async open(family: string, options: ColumnFamilyOptions, create: boolean): Promise<void> {
    if (this.readOnly) ensureExistingDatabase(this.path);
    else ensureWritableDirectory(this.path);
    for (const name of [DEFAULT_COLUMN_FAMILY, ...readColumnFamilies(this.path)]) {
      if (!this.families.has(name)) this.families.set(name, name === family ? options : {});
    }
    if (!this.families.has(family) && !create) {
      throw new Error(`Column family "${family}" does not exist in ${this.path}`);
    }
    this.families.set(family, options);
    await this.openEngine();
  }

  private async reopen(): Promise<void> {
    await this.closeEngine();
    await this.openEngine();
  }

  private async openEngine(): Promise<void> {
    const RocksDB = loadEngine();
    const cf = (name: string): unknown =>
      new RocksDB.ColumnFamily(name, engineColumnFamilyOptions(this.families.get(name) ?? {}));
    const db = new RocksDB(this.path, {
      ...this.options.database,
      readOnly: this.readOnly,
      createIfMissing: !this.readOnly,
      columnFamily: cf(DEFAULT_COLUMN_FAMILY),
      columnFamilies: [...this.families.keys()].filter((name) => name !== DEFAULT_COLUMN_FAMILY).map(cf),
    });
    const opening = db.ready();
    await withTimeout(opening, this.options.openTimeout, this.path).catch((err: Error) => {
      // An open that finishes after we gave up would keep the directory locked.
      opening.then(() => db.close()).catch(() => undefined);
      throw openError(this.path, err);
    });
    this.db = db;
    this.generation++;
  }

  private async closeEngine(): Promise<void> {
    const db = this.db;
    this.db = null;
    this.sessions.clear();
    this.generation++;
    await db?.close();
  }

  private sessionOf(family: string): EngineSession {
    let session = this.sessions.get(family);
    if (!session) {
      const db = this.db as EngineSession;
      session = family === DEFAULT_COLUMN_FAMILY ? db : db.columnFamily(family);
      this.sessions.set(family, session);
    }
    return session;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number, dir: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new CacheOpenError(
            dir,
            'timeout',
            `opening did not finish within ${ms} ms: is it a local, writable directory? (the pending open may keep the process from exiting)`,
          ),
        ),
      ms,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function openError(dir: string, err: Error): Error {
  if (err instanceof CacheOpenError) return err;
  // rocksdb-native reports a held lock only in its text ("IO error: lock … LOCK: Resource temporarily unavailable").
  if (/\bLOCK\b/.test(err.message)) {
    return new CacheOpenError(
      dir,
      'locked',
      `the directory is locked by another process (only one process may open a RocksDB directory for writing; use { readOnly: true } to follow it) — ${err.message}`,
      err,
    );
  }
  return new CacheOpenError(dir, 'failed', err.message, err);
}
