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
 * with the next message at once; the sink guarantees that the source's
 * consumer commits nothing handled before the output was acknowledged, and
 * that a failure stops the stream (at-least-once).
 */
export const DEFERRED_SINK: unique symbol = Symbol.for('slipstream.deferredSink');

export interface DeferredSink {
  /** Resolves once the output is accepted (queued), rejects when the sink failed. */
  [DEFERRED_SINK](key: unknown, value: unknown): Promise<void>;
}

export function isDeferredSink(x: unknown): x is DeferredSink {
  return typeof (x as Partial<DeferredSink> | null)?.[DEFERRED_SINK] === 'function';
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

  protected async invoke(key: Key, value: V): Promise<void> {
    await this.put(key, value);
    await PubSub.instance().apublish(this.updatesTopic, [key, value]);
  }

  [Symbol.asyncIterator](): AsyncIterator<[Key, V]> {
    return PubSub.instance().iterTopic<[Key, V]>(this.updatesTopic);
  }
}
Object.defineProperty(ICache.prototype, KEYED_SINK, { value: true });
