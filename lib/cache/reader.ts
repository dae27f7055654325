import type { Key } from '../interfaces';
import type { EngineIterator, EngineRange, EngineSession } from './engine';
import { decodeKey, encodeKey, prefixUpperBound } from './keys';
import type { Columns, ValueCodec } from './values';

export interface IterateOptions {
  /** Newest (highest) key first. */
  backwards?: boolean;
  /** Start at this key (inclusive); with `backwards`, the first entry is the last one at or before it. */
  fromKey?: Key;
  /** Only keys that start with this string or Buffer (typed: a string prefix matches string keys only). */
  prefix?: Key;
  /** At most this many entries. */
  limit?: number;
}

export type SessionSource = () => EngineSession | Promise<EngineSession>;

/**
 * Every read of a cache, shared by `Cache` and `CacheSnapshot`: they differ
 * only in the session they read from.
 */
export class CacheReader<V> {
  constructor(
    private readonly source: SessionSource,
    private readonly codec: ValueCodec,
    private readonly capacity: number,
    private readonly openIterators: Set<EngineIterator>,
  ) {}

  async get(key: Key, defaultValue?: V): Promise<V | undefined> {
    const encoded = encodeKey(key);
    const source = this.source();
    // Skip a microtask when the session is ready (the common case).
    const stored = await (source instanceof Promise ? await source : source).get(encoded);
    return stored === null ? defaultValue : (this.codec.decode(stored) as V);
  }

  async has(key: Key): Promise<boolean> {
    const encoded = encodeKey(key);
    const source = this.source();
    return (await (source instanceof Promise ? await source : source).get(encoded)) !== null;
  }

  /** Values of `keys` in one native read; `undefined` for missing keys. */
  async getMany(keys: Key[]): Promise<Array<V | undefined>> {
    const encoded = keys.map(encodeKey);
    const db = await this.source();
    const batch = db.read({ capacity: Math.max(1, encoded.length), autoDestroy: true });
    const pending = encoded.map((key) => batch.get(key));
    batch.tryFlush();
    const stored = await Promise.all(pending);
    return stored.map((value) => (value === null ? undefined : (this.codec.decode(value) as V)));
  }

  async getEntity(key: Key, defaultValue?: Columns): Promise<Columns | undefined> {
    const encoded = encodeKey(key);
    const stored = await (await this.source()).get(encoded);
    return stored === null ? defaultValue : this.codec.decodeEntity(stored);
  }

  keys(options: IterateOptions = {}): AsyncGenerator<Key> {
    return this.scan(options, false, (key) => decodeKey(key));
  }

  values(options: IterateOptions = {}): AsyncGenerator<V> {
    return this.scan(options, true, (_, value) => this.codec.decode(value) as V);
  }

  items(options: IterateOptions = {}): AsyncGenerator<[Key, V]> {
    return this.scan(options, true, (key, value) => [decodeKey(key), this.codec.decode(value) as V]);
  }

  entities(options: IterateOptions = {}): AsyncGenerator<[Key, Columns]> {
    return this.scan(options, true, (key, value) => [decodeKey(key), this.codec.decodeEntity(value)]);
  }

  columns(options: IterateOptions = {}): AsyncGenerator<Columns> {
    return this.scan(options, true, (_, value) => this.codec.decodeEntity(value));
  }

  /** One generator per iteration (not one per layer): `map` decodes each entry. */
  private async *scan<T>(
    options: IterateOptions,
    values: boolean,
    map: (key: Buffer, value: Buffer) => T,
  ): AsyncGenerator<T> {
    const range = rangeOf(options);
    const limit = options.limit ?? Infinity;
    if (!(limit >= 0)) throw new RangeError(`limit must be a number >= 0, got ${options.limit}`);
    if (limit === 0) return;
    const db = await this.source();
    const iterator = db.iterator(range, {
      reverse: options.backwards === true,
      limit,
      capacity: Math.min(this.capacity, limit),
      values,
    });
    this.openIterators.add(iterator);
    try {
      for await (const { key, value } of iterator) yield map(key, value as Buffer);
    } finally {
      this.openIterators.delete(iterator);
      iterator.destroy();
    }
  }
}

/** Native bounds for `options`; keys are compared as encoded bytes. */
export function rangeOf({ backwards, fromKey, prefix }: IterateOptions): EngineRange {
  const lower = prefix === undefined ? undefined : encodeKey(prefix);
  const upper = lower && prefixUpperBound(lower);
  const from = fromKey === undefined ? undefined : encodeKey(fromKey);
  if (!from) return { gte: lower, lt: upper };
  if (!backwards) {
    return { gte: lower && Buffer.compare(lower, from) > 0 ? lower : from, lt: upper };
  }
  if (upper && Buffer.compare(from, upper) >= 0) return { gte: lower, lt: upper };
  return { gte: lower, lte: from };
}
