import { ICache, type Key } from './interfaces';

/**
 * Map key for a cache key. Type tags keep `123`, `'123'` and `true` apart, and
 * Buffers compare by content.
 */
function mapKey(key: Key): string {
  switch (typeof key) {
    case 'string':
      return `s:${key}`;
    case 'number':
      return `n:${key}`;
    case 'boolean':
      return `b:${key}`;
    default:
      if (Buffer.isBuffer(key)) return `x:${key.toString('hex')}`;
      throw new TypeError(`Unsupported cache key type: ${key === null ? 'null' : typeof key}`);
  }
}

/**
 * An in-memory `ICache`: a callable keyed sink (`await cache(key, value)`
 * stores and publishes) and an async-iterable source of those updates. For
 * tests and for state that need not survive a restart.
 */
export class MemoryCache<V = unknown> extends ICache<V> {
  private readonly entries = new Map<string, V>();

  async get(key: Key, defaultValue?: V): Promise<V | undefined> {
    const k = mapKey(key);
    return this.entries.has(k) ? this.entries.get(k) : defaultValue;
  }

  async put(key: Key, value: V): Promise<void> {
    this.entries.set(mapKey(key), value);
  }

  async delete(key: Key): Promise<void> {
    this.entries.delete(mapKey(key));
  }

  async has(key: Key): Promise<boolean> {
    return this.entries.has(mapKey(key));
  }

  /** Number of entries. */
  get size(): number {
    return this.entries.size;
  }
}
