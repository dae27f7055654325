import type { ChangelogPort, LoggedChange, StateChange } from '../interfaces';
import type { WriteOp } from './batch';
import type { EngineIterator, EngineSession } from './engine';
import { type EncodedKey, keyId } from './keys';

/** A stored value as the engine has it; `null`: no such key (or deleted). */
export type Stored = Buffer | null;

export interface WriteBackOptions {
  /** Changed keys held at most: a flush starts at half of it, and a writer that fills it waits for the flush. */
  bufferKeys: number;
  /** A change is written at most this many ms after it was made. */
  flushInterval: number;
  /** Values of this many recently read or written keys are kept in memory (0: none). */
  hotKeys: number;
}

/**
 * A column family is read into memory whole at its first miss only while it
 * holds at most this many bytes of keys and values (besides the hotKeys
 * bound): a few big values must not fill the memory at open.
 */
export const WHOLE_FAMILY_BYTES = 64 * 1024 * 1024;

/** Changes not yet written: ranges first (in order), then the newest value per key (and its changelog partition). */
interface Changes {
  readonly entries: Map<string, LoggedChange>;
  readonly ranges: Array<{ begin: Buffer; end: Buffer }>;
}

/** A miss being read from the engine; `stale` once the key was written meanwhile. */
interface Read {
  readonly id: string;
  readonly key: Buffer;
  readonly promise: Promise<Stored>;
  resolve(value: Stored): void;
  reject(error: Error): void;
  stale: boolean;
}

/** A flush of buffered changes failed: nothing written since the last flush is on disk. */
export class CacheWriteError extends Error {
  constructor(
    readonly path: string,
    readonly columnFamily: string,
    /** Changed keys (and ranges) that were not written. */
    readonly changes: number,
    cause: unknown,
  ) {
    super(
      `Cache at ${path} (column family "${columnFamily}"): writing ${changes} buffered change(s) failed; ` +
        `they are not on disk and the column family refuses further use until reopened: ${(cause as Error)?.message ?? cause}`,
      { cause },
    );
    this.name = 'CacheWriteError';
  }
}

/** A changelog cache's log: where flushed changes go first, and where the changelog offsets they reached are stored. */
export interface ChangelogLog {
  readonly port: ChangelogPort;
  /**
   * Exactly-once: flushed changes are logged in the source's open
   * transaction and kept in memory until `commitLogged()` (the transaction
   * committed) writes them, or `discardLogged()` (it aborted) drops them, so
   * that the state on disk never holds a change of an aborted transaction.
   */
  readonly transactional: boolean;
  /** Store the next changelog offset of each partition written (after the changes themselves). */
  record(offsets: Map<number, number>): Promise<void>;
}

/**
 * The write-back state of one column family, shared by every `Cache` on it:
 * writes go to a buffer of changed keys and are written as one batch per
 * flush; reads look at the buffer, then at a bounded cache of hot keys, and
 * only then at RocksDB — misses that arrive together (before the next tick)
 * are read in one batch. rocksdb-native costs about the same per call
 * whatever its size, which is what this saves.
 *
 * Flushes are serialized: one write is on its way at a time, and the changes
 * made meanwhile go in the next one. A failed write is sticky: every later
 * operation rejects with the `CacheWriteError`, so nothing is dropped silently.
 *
 * With a changelog (`attachChangelog`), a flush first produces its changes
 * to the changelog and waits for the acknowledgement, then writes them, then
 * stores the changelog offsets they reached: the state on disk never holds a
 * change the changelog lacks, and a restore from the stored offset (which
 * may replay changes already on disk: values, not deltas) catches up.
 */
export class WriteBack {
  private pending: Changes = emptyChanges();
  /** The changes of the write on its way (still read from until it is done). */
  private flushing: Changes | undefined;
  /** Writes (flushes and restores) run one after another: the last one queued, and the flush queued and not started. */
  private tail: Promise<void> = Promise.resolve();
  private next: Promise<void> | undefined;
  private log: ChangelogLog | undefined;
  /** Exactly-once: changes logged in the open transaction, oldest first, with the changelog offsets they reached. */
  private logged: Array<{ changes: Changes; offsets: Map<number, number> | undefined }> = [];
  /** Bumped by `discardLogged`: a flush on its way then keeps nothing. */
  private generation = 0;
  private timer: NodeJS.Timeout | undefined;
  /** Values known to be on disk, least recently used first. */
  private readonly hot = new Map<string, Stored>();
  /** Misses being read, by key, and those waiting for the next read batch. */
  private readonly reads = new Map<string, Read>();
  private queued: Read[] = [];
  /**
   * Whether `hot` holds every key on disk, so that a miss is a key RocksDB
   * does not have: undefined until the first miss looks (`loadWhole`), false
   * from the first key dropped from the hot keys on.
   */
  private whole: boolean | undefined;
  private loadingWhole: Promise<void> | undefined;
  private failure: CacheWriteError | undefined;

  constructor(
    private readonly session: () => EngineSession | Promise<EngineSession>,
    private readonly options: WriteBackOptions,
    private readonly where: { path: string; columnFamily: string },
    /** Iterators open on the database (its close destroys them). */
    private readonly iterators: Set<EngineIterator>,
  ) {
    if (options.hotKeys === 0) this.whole = false;
  }

  /** The stored value of `key`, from the buffer, the hot keys or RocksDB. */
  read({ bytes: key, id }: EncodedKey): Stored | Promise<Stored> {
    this.assertHealthy();
    let buffered = changed(this.pending, id, key);
    if (buffered === undefined && this.flushing) buffered = changed(this.flushing, id, key);
    for (let i = this.logged.length - 1; buffered === undefined && i >= 0; i--) buffered = changed(this.logged[i].changes, id, key);
    if (buffered !== undefined) return buffered;
    const hot = this.hot.get(id);
    if (hot !== undefined) {
      if (this.keepsRecency()) this.remember(id, hot); // the most recently used from now on
      return hot;
    }
    if (this.whole) return null;
    return (this.reads.get(id) ?? this.queueRead(id, key)).promise;
  }

  /** Log every flushed change to `log` from now on (one changelog per column family). */
  attachChangelog(log: ChangelogLog): void {
    if (this.log && this.log.port.topic !== log.port.topic) {
      throw new Error(
        `Cache at ${this.where.path} (column family "${this.where.columnFamily}") already logs to changelog topic ` +
          `${this.log.port.topic}; it cannot also log to ${log.port.topic}`,
      );
    }
    this.log = log;
  }

  /** The changelog, if any (column families shared by several caches have one). */
  get changelog(): ChangelogPort | undefined {
    return this.log?.port;
  }

  /**
   * Buffer `ops` (all of them before the next flush takes any: a batch stays
   * atomic), logged to the changelog's `partition` (undefined: the key's).
   * Returns the flush to wait for when the buffer is full or a range was
   * deleted, else undefined.
   */
  write(ops: WriteOp[], partition?: number): Promise<void> | undefined {
    this.assertHealthy();
    const { entries, ranges } = this.pending;
    for (const op of ops) {
      if (op.type === 'deleteRange') {
        if (this.log) throw new TypeError(`Cache at ${this.where.path} has a changelog: delete its keys one by one, a range cannot be logged`);
        for (const [id, entry] of entries) if (inRange(entry.key, op)) entries.delete(id);
        ranges.push({ begin: op.begin, end: op.end });
        this.forgetReads();
        this.hot.clear();
        this.whole = false;
        continue;
      }
      const { id } = op;
      const value = op.type === 'put' ? op.value : null;
      // A key changed again before the flush: its entry (only in `pending`) is updated, not replaced.
      const entry = entries.get(id);
      if (entry) {
        entry.value = value;
        entry.partition = partition;
      } else {
        entries.set(id, { key: op.key, value, partition });
      }
      const read = this.reads.get(id);
      if (read) {
        read.stale = true;
        this.reads.delete(id);
      }
    }
    if (ranges.length > 0 || entries.size + ranges.length >= this.options.bufferKeys) return this.flush();
    // Half full: the next flush is queued now, while writers go on. Waiting
    // for the timer let a busy stream fill the buffer and stall on the flush.
    if (entries.size >= this.options.bufferKeys / 2 && !this.next) this.flushInBackground();
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      this.flushInBackground();
    }, this.options.flushInterval);
    return undefined;
  }

  /** A flush nobody waits for: a failure is kept and reported by the next operation and by the commit barrier. */
  private flushInBackground(): void {
    this.flush().catch(() => undefined);
  }

  /** Write every change made so far; resolves once they are in RocksDB (its WAL). */
  flush(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (isEmpty(this.pending)) return this.tail.then(() => this.assertHealthy());
    this.next ??= this.serial(async () => {
      this.next = undefined;
      this.assertHealthy();
      await this.writeChanges();
    });
    return this.next;
  }

  /** Exactly-once: the transaction committed; write the changes logged in it (and their changelog offsets). */
  commitLogged(): Promise<void> {
    const logged = this.logged.splice(0);
    return this.serial(async () => {
      for (const { changes, offsets } of logged) await this.writeToEngine(changes, offsets);
    });
  }

  /** Exactly-once: the transaction aborted; drop every change made since the last commit. */
  discardLogged(): void {
    this.generation++;
    this.logged = [];
    this.pending = emptyChanges();
    this.flushing = undefined;
    this.dispose();
  }

  /**
   * Write restored changes (read from the changelog) straight to RocksDB,
   * after the writes on their way and not logged again. Buffered changes of
   * the same keys stay newer; reads of them on their way are not remembered.
   */
  restore(changes: StateChange[]): Promise<void> {
    return this.serial(async () => {
      this.assertHealthy();
      if (changes.length === 0) return;
      const session = await this.session();
      const batch = session.write({ capacity: changes.length, autoDestroy: true });
      for (const { key, value } of changes) {
        if (value === null) batch.tryDelete(key);
        else batch.tryPut(key, value);
      }
      await batch.flush();
      for (const { key, value } of changes) {
        const id = keyId(key);
        const read = this.reads.get(id);
        if (read) {
          read.stale = true;
          this.reads.delete(id);
        }
        // On disk now; buffered changes of the key are read first, and are remembered once written.
        this.hot.delete(id);
        this.remember(id, value);
      }
    });
  }

  /** Stop the timer (the database is closing; the caches flushed on close). */
  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private serial(write: () => Promise<void>): Promise<void> {
    const run = this.tail.then(write);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async writeChanges(): Promise<void> {
    if (isEmpty(this.pending)) return; // dropped since it was queued (an exactly-once abort)
    const changes = this.pending;
    this.pending = emptyChanges();
    this.flushing = changes;
    this.dispose();
    const generation = this.generation;
    let offsets: Map<number, number> | undefined;
    try {
      offsets = this.log && changes.entries.size > 0 ? await this.log.port.publish([...changes.entries.values()]) : undefined;
    } catch (err) {
      if (generation !== this.generation) return; // the transaction aborted meanwhile: these changes are gone anyway
      throw this.failed(changes, err);
    }
    if (this.log?.transactional) {
      if (generation === this.generation) this.logged.push({ changes, offsets });
      if (this.flushing === changes) this.flushing = undefined;
      return;
    }
    await this.writeToEngine(changes, offsets);
    this.flushing = undefined;
  }

  /** Write `changes` to RocksDB in one batch, then the changelog offsets they reached; remember the values. */
  private async writeToEngine(changes: Changes, offsets: Map<number, number> | undefined): Promise<void> {
    try {
      const session = await this.session();
      const size = changes.entries.size + changes.ranges.length;
      // Nothing can throw between creating the batch and flushing it (an unflushed batch blocks close()).
      const batch = session.write({ capacity: size, autoDestroy: true });
      for (const range of changes.ranges) batch.tryDeleteRange(range.begin, range.end);
      for (const { key, value } of changes.entries.values()) {
        if (value === null) batch.tryDelete(key);
        else batch.tryPut(key, value);
      }
      await batch.flush();
      if (offsets) await this.log?.record(offsets);
    } catch (err) {
      throw this.failed(changes, err);
    }
    for (const [id, { value }] of changes.entries) this.remember(id, value);
  }

  /** A write of `changes` failed: sticky, every later operation rejects with it. */
  private failed(changes: Changes, err: unknown): CacheWriteError {
    this.failure = new CacheWriteError(this.where.path, this.where.columnFamily, changes.entries.size + changes.ranges.length, err);
    return this.failure;
  }

  private queueRead(id: string, key: Buffer): Read {
    let resolve!: (value: Stored) => void;
    let reject!: (error: Error) => void;
    const promise = new Promise<Stored>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    const read: Read = { id, key, promise, resolve, reject, stale: false };
    this.reads.set(id, read);
    // Misses until the event loop's next turn (a burst of handlers, a getMany, the messages
    // Node-RED delivers one immediate each) become one read batch: a call costs far more than a key.
    if (this.queued.push(read) === 1) setImmediate(() => void this.readQueued());
    return read;
  }

  private async readQueued(): Promise<void> {
    if (this.whole === undefined) {
      this.loadingWhole ??= this.serial(() => this.loadWhole()).catch(() => {
        this.whole = false; // read key by key
      });
      await this.loadingWhole;
    }
    const reads = this.queued;
    this.queued = [];
    if (this.whole) {
      for (const read of reads) {
        if (this.reads.get(read.id) === read) this.reads.delete(read.id);
        read.resolve(this.hot.get(read.id) ?? null);
      }
      return;
    }
    try {
      const session = await this.session();
      const batch = session.read({ capacity: reads.length, autoDestroy: true });
      const values = reads.map((read) => batch.get(read.key));
      batch.tryFlush();
      const stored = await Promise.all(values);
      reads.forEach((read, i) => {
        if (this.reads.get(read.id) === read) this.reads.delete(read.id);
        // A key written since the read began: its value is in the buffer, not this one.
        if (!read.stale) this.remember(read.id, stored[i]);
        read.resolve(stored[i]);
      });
    } catch (err) {
      for (const read of reads) {
        if (this.reads.get(read.id) === read) this.reads.delete(read.id);
        read.reject(err as Error);
      }
    }
  }

  /**
   * At the first miss (after the writes on their way): a column family that
   * fits the hot keys (count and `WHOLE_FAMILY_BYTES`) is read whole, in one
   * pass, and misses are answered from memory from then on; one that does
   * not (by RocksDB's estimate, or once the pass goes beyond) is read key by
   * key, as before. A failed pass leaves it at that.
   */
  private async loadWhole(): Promise<void> {
    const { hotKeys } = this.options;
    const session = await this.session();
    const fits = async (): Promise<Array<[string, Buffer]> | undefined> => {
      if (Number((await session.getProperty('rocksdb.estimate-num-keys')) ?? 0) > hotKeys) return undefined;
      const entries: Array<[string, Buffer]> = [];
      let bytes = 0;
      const iterator = session.iterator({}, { reverse: false, limit: hotKeys + 1, capacity: 1024, values: true });
      this.iterators.add(iterator);
      try {
        for await (const { key, value } of iterator) {
          bytes += key.length + (value as Buffer).length;
          if (entries.push([keyId(key), value as Buffer]) > hotKeys || bytes > WHOLE_FAMILY_BYTES) return undefined;
        }
      } finally {
        this.iterators.delete(iterator);
        iterator.destroy();
      }
      return entries;
    };
    // Hot keys are on disk too, with the same values (or null: known absent).
    const unknown = (await fits())?.filter(([id]) => !this.hot.has(id));
    // A range delete or a dropped hot key meanwhile has decided it (false).
    this.whole = this.whole === undefined && unknown !== undefined && unknown.length + this.hot.size <= hotKeys;
    if (this.whole) for (const [id, value] of unknown as Array<[string, Buffer]>) this.hot.set(id, value);
  }

  /**
   * Keep `value` as a hot key, dropping the least recently used beyond the
   * bound. Recency is kept once the hot keys are three quarters of the bound:
   * below that nothing is dropped soon, and a read spares moving its key.
   */
  private remember(id: string, value: Stored): void {
    if (this.options.hotKeys === 0) return;
    if (this.keepsRecency()) this.hot.delete(id);
    this.hot.set(id, value);
    if (this.hot.size > this.options.hotKeys) {
      this.hot.delete(this.hot.keys().next().value as string);
      this.whole = false;
    }
  }

  private keepsRecency(): boolean {
    return this.hot.size >= (this.options.hotKeys * 3) / 4;
  }

  /** Reads on their way may return values from before a range delete: do not keep them. */
  private forgetReads(): void {
    for (const read of this.reads.values()) read.stale = true;
    this.reads.clear();
  }

  private assertHealthy(): void {
    if (this.failure) throw this.failure;
  }
}

function emptyChanges(): Changes {
  return { entries: new Map(), ranges: [] };
}

function isEmpty(changes: Changes): boolean {
  return changes.entries.size === 0 && changes.ranges.length === 0;
}

/** What `changes` say about a key: its value, null if a range deleted it, undefined if nothing. */
function changed(changes: Changes, id: string, key: Buffer): Stored | undefined {
  const entry = changes.entries.get(id);
  if (entry) return entry.value;
  if (changes.ranges.length === 0) return undefined;
  return changes.ranges.some((range) => inRange(key, range)) ? null : undefined;
}

function inRange(key: Buffer, range: { begin: Buffer; end: Buffer }): boolean {
  return Buffer.compare(key, range.begin) >= 0 && Buffer.compare(key, range.end) < 0;
}
