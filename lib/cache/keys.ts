import type { Key } from '../interfaces';

/**
 * Order-preserving, typed key encoding: one tag byte, then a byte string that
 * sorts like the value. Tags order the types: booleans < numbers < strings <
 * Buffers, so each type is one contiguous range and `123`, `'123'`,
 * `Buffer.from('123')` and `true` never collide.
 *
 * Strings and Buffers are written raw, with no terminator or escaping: the
 * encoding of a prefix is then a byte prefix of the encoding of every key
 * that starts with it, which is what prefix scans need.
 */
const BOOLEAN = 0x01;
const NUMBER = 0x02;
const STRING = 0x03;
const BUFFER = 0x04;

/**
 * A key's encoding and its id: the encoding read as latin1, one character per
 * byte, which the write-back buffer and the hot keys are keyed by (see
 * `keyId`). A memoized key's id is one string object for every use, so map
 * lookups find it by identity and its hash is computed once.
 */
export interface EncodedKey {
  readonly bytes: Buffer;
  readonly id: string;
}

/**
 * Recently used string keys, encoded: a record's transaction encodes its key
 * for the lock, the read and the write. Cleared when full; strings longer
 * than `MEMO_KEY_LENGTH` are encoded each time.
 */
const memo = new Map<string, EncodedKey>();
const MEMO_KEYS = 16_384;
const MEMO_KEY_LENGTH = 256;

/** The key's encoding; it may be shared with other callers, so it must not be modified. */
export function encodeKey(key: Key): Buffer {
  return typeof key === 'string' && key.length <= MEMO_KEY_LENGTH ? memoized(key).bytes : encodeUnmemoized(key);
}

/** The key's encoding and id (shared, as `encodeKey`'s). */
export function encodedKey(key: Key): EncodedKey {
  if (typeof key === 'string' && key.length <= MEMO_KEY_LENGTH) return memoized(key);
  const bytes = encodeUnmemoized(key);
  return { bytes, id: keyId(bytes) };
}

/** The id of an encoded key (as `EncodedKey.id`). */
export function keyId(bytes: Buffer): string {
  return bytes.toString('latin1');
}

/** The last key memoized: a transaction passes one string to the lock, the read and the write. */
let lastKey: string | undefined;
let lastEncoded: EncodedKey | undefined;

function memoized(key: string): EncodedKey {
  if (key === lastKey) return lastEncoded as EncodedKey;
  let out = memo.get(key);
  if (out === undefined) {
    if (memo.size >= MEMO_KEYS) memo.clear();
    const bytes = encodeString(key);
    memo.set(key, (out = { bytes, id: keyId(bytes) }));
  }
  lastKey = key;
  lastEncoded = out;
  return out;
}

function encodeUnmemoized(key: Key): Buffer {
  switch (typeof key) {
    case 'string':
      return encodeString(key);
    case 'number':
      return encodeNumber(key);
    case 'boolean':
      return Buffer.from([BOOLEAN, key ? 1 : 0]);
    default:
      if (key instanceof Uint8Array) {
        const out = Buffer.allocUnsafe(1 + key.length);
        out[0] = BUFFER;
        out.set(key, 1);
        return out;
      }
      throw new TypeError(
        `Unsupported cache key ${describe(key)}: a key must be a string, number, boolean or Buffer`,
      );
  }
}

function encodeString(key: string): Buffer {
  const out = Buffer.allocUnsafe(1 + Buffer.byteLength(key));
  out[0] = STRING;
  out.write(key, 1, 'utf8');
  return out;
}

export function decodeKey(encoded: Buffer): Key {
  switch (encoded[0]) {
    case STRING:
      return encoded.toString('utf8', 1);
    case NUMBER:
      return decodeNumber(encoded);
    case BOOLEAN:
      return encoded[1] === 1;
    case BUFFER:
      return Buffer.from(encoded.subarray(1));
    default:
      throw new Error(`Cannot decode cache key ${encoded.toString('hex')}: unknown type tag (not written by Cache?)`);
  }
}

/**
 * IEEE-754 big-endian with the sign bit flipped for positives and every bit
 * flipped for negatives: byte order then equals numeric order, including
 * fractions and ±Infinity. -0 is stored as 0 (same key, as in a JS Map);
 * NaN has no place in the order and is rejected.
 */
function encodeNumber(n: number): Buffer {
  if (Number.isNaN(n)) throw new TypeError('Unsupported cache key NaN: NaN has no place in the key order');
  const out = Buffer.allocUnsafe(9);
  out[0] = NUMBER;
  out.writeDoubleBE(n === 0 ? 0 : n, 1);
  if (out[1] & 0x80) {
    for (let i = 1; i < 9; i++) out[i] = ~out[i] & 0xff;
  } else {
    out[1] |= 0x80;
  }
  return out;
}

/** Decoding is synchronous, so one scratch buffer serves every call. */
const scratch = Buffer.allocUnsafe(8);

function decodeNumber(encoded: Buffer): number {
  const negative = (encoded[1] & 0x80) === 0;
  for (let i = 0; i < 8; i++) scratch[i] = negative ? ~encoded[i + 1] & 0xff : encoded[i + 1];
  if (!negative) scratch[0] &= 0x7f;
  return scratch.readDoubleBE(0);
}

/** Smallest byte string greater than every string that starts with `prefix`. */
export function prefixUpperBound(prefix: Buffer): Buffer {
  // The tag byte is below 0xff, so some byte can always be incremented.
  let end = prefix.length;
  while (prefix[end - 1] === 0xff) end--;
  const bound = Buffer.from(prefix.subarray(0, end));
  bound[end - 1]++;
  return bound;
}

function describe(key: unknown): string {
  if (key === null) return 'null';
  if (typeof key === 'object') return `of type ${key.constructor?.name ?? 'object'}`;
  if (typeof key === 'symbol' || typeof key === 'function') return `of type ${typeof key}`;
  return `of type ${typeof key} (${String(key)})`;
}
