import { Callable } from './utils/callable';
import { PubSub } from './utils/pubsub';

/** Serializes values for a `Topic` (or anything else that stores bytes). */
export interface ICodec {
  encode(obj: unknown): Buffer;
  decode(buf: Buffer): unknown;
}

/** Key types a cache accepts. */
export type Key = string | number | boolean | Buffer;

/**
 * Marks sinks that take `[key, value]` (a `Topic`, any `ICache`): `handle`
 * unpacks the handler's output for them and rejects anything else.
 */
export const KEYED_SINK: unique symbol = Symbol.for('slipstream.keyedSink');

export interface KeyedSink {
  readonly [KEYED_SINK]: true;
  (key: any, value: any, ...rest: any[]): unknown;
}

/**
 * A keyed sink may also take outputs without waiting for them to be durable
 * (a `Topic`: queued for a batched produce request). `handle` then goes on
 * with the next message at once and hands the acknowledgement to the
 * source's commit ledger (see `LEDGER_SOURCE`), so the source record is
 * committed only once what was produced for it is acknowledged.
 */
export const DEFERRED_SINK: unique symbol = Symbol.for('slipstream.deferredSink');

/** An output accepted by a deferred sink: `acked` settles when it is durable (or failed). */
export interface Accepted {
  acked: Promise<void>;
}

export interface DeferredSink {
  /**
   * The output is accepted (queued): at once, or when the promise resolves
   * (the sink's queue was full). Throws or rejects when the sink failed.
   */
  [DEFERRED_SINK](key: unknown, value: unknown): Accepted | Promise<Accepted>;
}

export function isDeferredSink(x: unknown): x is DeferredSink {
  return typeof (x as Partial<DeferredSink> | null)?.[DEFERRED_SINK] === 'function';
}

/**
 * A source with a commit ledger (a `Topic`): its messages are finished
 * explicitly, so `stream()` may handle several at once — one lane per
 * `laneOf(message)`, in order within a lane — and commit each once its
 * handlers and their sinks are done.
 */
export const LEDGER_SOURCE: unique symbol = Symbol.for('slipstream.ledgerSource');

export interface Ledger<M = unknown> {
  /** Messages of one lane are handled one after another, in order (a Topic: the partition). */
  laneOf(message: M): number;
  /** False once the message's position was moved (a seek) or its partition revoked: it is not handled, it comes again. */
  isCurrent(message: M): boolean;
  /** The only door out of the ledger: work on `message` ended, and `after` (if given) must resolve before it counts as done. */
  finish(message: M, after?: PromiseLike<unknown>): void;
  /** Runs the handling of `message` (a Topic: so that changelog caches log to its partition). */
  scope<T>(message: M, handling: () => T): T;
}

export interface LedgerSource<M = unknown> {
  /** Switch the source to explicit finishing (before it is iterated) and return its ledger. */
  [LEDGER_SOURCE](): Ledger<M>;
}

export function isLedgerSource(x: unknown): x is LedgerSource {
  return typeof (x as Partial<LedgerSource> | null)?.[LEDGER_SOURCE] === 'function';
}

/**
 * A source told at once when its `PausableStream` is paused or resumed (a
 * `Topic` pauses its consumer), even while a pull is waiting for a value.
 */
export const ON_SIGNAL: unique symbol = Symbol.for('slipstream.onSignal');

export interface SignalledSource {
  [ON_SIGNAL](signal: 'pause' | 'resume'): void;
}

/**
 * An iterator (or source) that can hand out its next value without waiting
 * when it has one at hand: `stream()` takes records this way, sparing the
 * promises of a `next()` per record, and pulls with `next()` when it returns
 * `NOTHING_NOW`.
 */
export const TAKE_NOW: unique symbol = Symbol.for('slipstream.takeNow');
export const NOTHING_NOW: unique symbol = Symbol.for('slipstream.nothingNow');

export interface TakesNow<T> {
  [TAKE_NOW](): T | typeof NOTHING_NOW;
}

/** `x[TAKE_NOW]()`, or `NOTHING_NOW` when `x` cannot take without waiting. */
export function takeNow<T>(x: unknown): T | typeof NOTHING_NOW {
  const take = (x as Partial<TakesNow<T>> | null | undefined)?.[TAKE_NOW];
  return typeof take === 'function' ? take.call(x) : NOTHING_NOW;
}

export function isKeyedSink(x: unknown): x is KeyedSink {
  return typeof x === 'function' && (x as Partial<KeyedSink>)[KEYED_SINK] === true;
}

/**
 * Marks a resource that holds connections until it is closed (a `Topic`):
 * `resource[EXIT_HOOK]` closes it. `handle` registers it with `Conf` for every
 * source and sink that has one, so `stream()` closes them when it ends. The
 * hook is a function of its own per resource (a hook registered twice runs once).
 */
export const EXIT_HOOK: unique symbol = Symbol.for('slipstream.exitHook');

export interface HasExitHook {
  readonly [EXIT_HOOK]: () => Promise<void>;
}

export function hasExitHook(x: unknown): x is HasExitHook {
  return typeof (x as Partial<HasExitHook> | null | undefined)?.[EXIT_HOOK] === 'function';
}

/**
 * A source that a cache's changelog can follow (a `Topic`): given the cache's
 * side (`LoggedState`), it returns where the cache's flushed writes go
 * (`ChangelogPort`), and it restores the cache's state of each partition
 * from the changelog when the partition is assigned, before handing out the
 * partition's first record.
 */
export const CHANGELOG_SOURCE: unique symbol = Symbol.for('slipstream.changelogSource');

export interface ChangelogSource {
  [CHANGELOG_SOURCE](state: LoggedState, options: { topic?: string }): ChangelogPort;
}

export function isChangelogSource(x: unknown): x is ChangelogSource {
  return typeof (x as Partial<ChangelogSource> | null | undefined)?.[CHANGELOG_SOURCE] === 'function';
}

/** A change of a changelog cache: the encoded key, the stored bytes (null: deleted). */
export interface StateChange {
  key: Buffer;
  value: Buffer | null;
}

/** A flushed change and the source partition it belongs to (undefined: the partition of its key). */
export interface LoggedChange extends StateChange {
  partition: number | undefined;
}

/** What a changelog cache offers the source that logs and restores it. */
export interface LoggedState {
  /** Names the changelog topic by default: the database directory's base name (and column family). */
  readonly name: string;
  /** Where the restore of `partition` of changelog `topic` starts: the offset stored with the state, if any. */
  restoredUpTo(topic: string, partition: number): Promise<number | undefined>;
  /** Write restored changes (not logged again), then `nextOffset` as where the next restore starts. */
  restore(topic: string, partition: number, changes: StateChange[], nextOffset: number): Promise<void>;
  /** Write what is buffered (so that the stored offsets are current). */
  flush(): Promise<void>;
  /** Exactly-once: the source's transaction committed; write the changes logged in it. */
  commitLogged(): Promise<void>;
  /** Exactly-once: the source's transaction aborted; drop every change made since its last commit. */
  discardLogged(): void;
}

/** Where a changelog cache's flushed writes go. */
export interface ChangelogPort {
  /** The changelog topic. */
  readonly topic: string;
  /** Whether writes are logged in the source's transactions (exactly-once; see `LoggedState.commitLogged`). */
  readonly transactional: boolean;
  /**
   * The source partition a write made now belongs to: the record being
   * handled's, else undefined (the key's). null: the record being handled is
   * no longer this instance's (its partition moved to another one, which
   * handles it again), so the write is dropped.
   */
  partitionOfWrite(): number | undefined | null;
  /** Produce `changes`; resolves once acknowledged, with the next offset of each changelog partition written. */
  publish(changes: LoggedChange[]): Promise<Map<number, number>>;
  /** The cache closed: stop restoring it. */
  detach(): void;
}

let nextCacheId = 0;

/**
 * Base class for caches. An instance is a callable keyed sink —
 * `await cache(key, value)` stores the value and publishes `[key, value]` —
 * and an async-iterable source of those updates:
 * `for await (const [key, value] of cache)`.
 */
export abstract class ICache<V = unknown> extends Callable<[Key, V], Promise<void>> implements AsyncIterable<[Key, V]> {
  declare readonly [KEYED_SINK]: true;
  private readonly cacheId = ++nextCacheId;

  abstract get(key: Key, defaultValue?: V): Promise<V | undefined>;
  abstract put(key: Key, value: V): Promise<void>;
  abstract delete(key: Key): Promise<void>;
  abstract has(key: Key): Promise<boolean>;

  /**
   * PubSub topic on which this cache's updates are published. Caches that
   * share storage (two handles on one database) override it so that a
   * listener on one sees updates written through the other.
   */
  protected get updatesTopic(): string {
    return `slipstream:cache:${this.cacheId}`;
  }

  protected invoke(key: Key, value: V): Promise<void> {
    const put = this.put(key, value);
    const pubsub = PubSub.instance();
    // Most caches have no watcher: no update is made for nobody (one that subscribes meanwhile sees the next update).
    if (!pubsub.hasListeners(this.updatesTopic)) return put;
    return put.then(() => pubsub.apublish(this.updatesTopic, [key, value]));
  }

  [Symbol.asyncIterator](): AsyncIterator<[Key, V]> {
    return PubSub.instance().iterTopic<[Key, V]>(this.updatesTopic);
  }
}
Object.defineProperty(ICache.prototype, KEYED_SINK, { value: true });
