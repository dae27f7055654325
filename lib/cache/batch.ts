import type { Key } from '../interfaces';
import { encodedKey, encodeKey } from './keys';
import type { ValueCodec } from './values';

/** One encoded write; every cache write is a list of these (see `Cache.commit`). `id`: the key's `keyId`. */
export type WriteOp =
  | { type: 'put'; key: Buffer; id: string; value: Buffer }
  | { type: 'delete'; key: Buffer; id: string }
  | { type: 'deleteRange'; begin: Buffer; end: Buffer };

export function putOp(key: Key, value: Buffer): WriteOp {
  const { bytes, id } = encodedKey(key);
  return { type: 'put', key: bytes, id, value };
}

export function deleteOp(key: Key): WriteOp {
  const { bytes, id } = encodedKey(key);
  return { type: 'delete', key: bytes, id };
}

/**
 * Writes collected for one atomic `cache.write(batch)`. Keys and values are
 * encoded as they are added, so a bad key fails here, not half-way through
 * the write. A batch belongs to the column family of the cache that made it.
 */
export class CacheBatch {
  readonly ops: WriteOp[] = [];

  constructor(
    readonly owner: string,
    private readonly codec: ValueCodec,
  ) {}

  get length(): number {
    return this.ops.length;
  }

  put(key: Key, value: unknown): this {
    this.ops.push(putOp(key, this.codec.encode(value)));
    return this;
  }

  putEntity(key: Key, names: unknown[], values: unknown[]): this {
    this.ops.push(putOp(key, this.codec.encodeEntity(names, values)));
    return this;
  }

  delete(key: Key): this {
    this.ops.push(deleteOp(key));
    return this;
  }

  /** Delete keys from `begin` (included) to `end` (excluded). */
  deleteRange(begin: Key, end: Key): this {
    this.ops.push({ type: 'deleteRange', begin: encodeKey(begin), end: encodeKey(end) });
    return this;
  }

  clear(): this {
    this.ops.length = 0;
    return this;
  }
}
