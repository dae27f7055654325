import v8 from 'node:v8';

/**
 * Plain objects (nested ones too) of strings, numbers, booleans, null and
 * undefined in the format of `v8.serialize`, written and read without v8's
 * Serializer and Deserializer objects: making those costs about a
 * microsecond per value, more than the rest of a small object's work. The
 * bytes written are what `v8.deserialize` reads back as an equal value, and
 * what is read is what `v8.deserialize` gives; values of any other shape
 * (arrays, dates, buffers, other prototypes, a repeated object, strings
 * beyond Latin-1 …) and tags not listed below are left to v8 (`undefined`,
 * `NOT_PLAIN`).
 */

/** What `v8.serialize` writes first: the 0xFF tag and the format version. */
const HEADER = Buffer.from(v8.serialize(null).subarray(0, 2));

const TAG = {
  padding: 0x00,
  null: 0x30, // '0'
  undefined: 0x5f, // '_'
  true: 0x54, // 'T'
  false: 0x46, // 'F'
  int32: 0x49, // 'I', zig-zag varint
  double: 0x4e, // 'N'
  oneByteString: 0x22, // '"', Latin-1
  twoByteString: 0x63, // 'c', UTF-16LE
  beginObject: 0x6f, // 'o'
  endObject: 0x7b, // '{', then the property count
} as const;

/** Objects nested deeper are left to v8. */
const MAX_DEPTH = 16;
const NOT_LATIN1 = /[^\u0000-\u00ff]/;

export const NOT_PLAIN: unique symbol = Symbol('not plain');

let scratch = Buffer.allocUnsafe(4_096);
/** A scratch buffer grown beyond this for a large value is not kept. */
const MAX_KEPT_SCRATCH = 1 << 20;
let at = 0;
/** The objects written so far in this value: one met twice is left to v8 (which writes a back-reference). */
const seen: object[] = [];

function reserve(bytes: number): void {
  if (at + bytes <= scratch.length) return;
  const grown = Buffer.allocUnsafe(Math.max(scratch.length * 2, at + bytes));
  scratch.copy(grown, 0, 0, at);
  scratch = grown;
}

function writeVarint(n: number): void {
  reserve(5);
  while (n >= 0x80) {
    scratch[at++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  scratch[at++] = n;
}

function writeString(s: string): boolean {
  if (NOT_LATIN1.test(s)) return false;
  reserve(6 + s.length);
  scratch[at++] = TAG.oneByteString;
  writeVarint(s.length);
  at += scratch.write(s, at, 'latin1');
  return true;
}

function writeValue(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'string':
      return writeString(value);
    case 'number':
      reserve(9);
      if (Number.isInteger(value) && value >= -0x80000000 && value <= 0x7fffffff && !Object.is(value, -0)) {
        scratch[at++] = TAG.int32;
        writeVarint(((value << 1) ^ (value >> 31)) >>> 0);
      } else {
        scratch[at++] = TAG.double;
        at = scratch.writeDoubleLE(value, at);
      }
      return true;
    case 'boolean':
      reserve(1);
      scratch[at++] = value ? TAG.true : TAG.false;
      return true;
    case 'undefined':
      reserve(1);
      scratch[at++] = TAG.undefined;
      return true;
    case 'object':
      if (value === null) {
        reserve(1);
        scratch[at++] = TAG.null;
        return true;
      }
      return writeObject(value, depth);
    default:
      return false;
  }
}

/** Whether `object`'s prototype is an `Object.prototype`: this realm's, or a vm context's (Node-RED's function code makes its objects there). */
function isPlain(object: object): boolean {
  const proto: unknown = Object.getPrototypeOf(object);
  return proto === Object.prototype || (proto !== null && Object.getPrototypeOf(proto) === null && !Array.isArray(object));
}

function writeObject(object: object, depth: number): boolean {
  if (depth >= MAX_DEPTH || !isPlain(object) || seen.includes(object)) return false;
  seen.push(object);
  reserve(1);
  scratch[at++] = TAG.beginObject;
  const keys = Object.keys(object);
  for (const key of keys) {
    if (!writeString(key) || !writeValue((object as Record<string, unknown>)[key], depth + 1)) return false;
  }
  reserve(1);
  scratch[at++] = TAG.endObject;
  writeVarint(keys.length);
  return true;
}

/** Set while a value is written: a getter that writes a value meanwhile gets undefined (v8 writes it). */
let writing = false;

/** `v8.serialize(object)`'s equivalent after `prefix` bytes (left for the caller to fill), or undefined when not plain. */
export function writePlainObject(object: object, prefix: number): Buffer | undefined {
  if (writing) return undefined;
  writing = true;
  try {
    return writeAll(object, prefix);
  } finally {
    writing = false;
    seen.length = 0;
    if (scratch.length > MAX_KEPT_SCRATCH) scratch = Buffer.allocUnsafe(4_096);
  }
}

function writeAll(object: object, prefix: number): Buffer | undefined {
  at = prefix;
  reserve(HEADER.length);
  HEADER.copy(scratch, at);
  at += HEADER.length;
  if (!writeObject(object, 0)) return undefined;
  const out = Buffer.allocUnsafe(at);
  scratch.copy(out, 0, 0, at);
  return out;
}

/** A reader over one serialized value; `fail` unwinds to `readPlain` when it meets what it does not read. */
class Reader {
  constructor(
    private readonly data: Buffer,
    public pos: number,
  ) {}

  varint(): number {
    let n = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.data.length || shift > 28) throw NOT_PLAIN;
      const byte = this.data[this.pos++];
      n += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return n;
      shift += 7;
    }
  }

  bytes(length: number): number {
    const start = this.pos;
    if (start + length > this.data.length) throw NOT_PLAIN;
    this.pos += length;
    return start;
  }

  value(depth: number): unknown {
    const data = this.data;
    let tag = data[this.pos++];
    while (tag === TAG.padding) tag = data[this.pos++];
    switch (tag) {
      case TAG.null:
        return null;
      case TAG.undefined:
        return undefined;
      case TAG.true:
        return true;
      case TAG.false:
        return false;
      case TAG.int32: {
        const n = this.varint();
        return (n >>> 1) ^ -(n & 1);
      }
      case TAG.double:
        return data.readDoubleLE(this.bytes(8));
      case TAG.oneByteString: {
        const length = this.varint();
        const start = this.bytes(length);
        return data.toString('latin1', start, start + length);
      }
      case TAG.twoByteString: {
        const length = this.varint();
        const start = this.bytes(length);
        return data.toString('utf16le', start, start + length);
      }
      case TAG.beginObject:
        return this.object(depth);
      default:
        throw NOT_PLAIN;
    }
  }

  private object(depth: number): Record<string, unknown> {
    if (depth >= MAX_DEPTH) throw NOT_PLAIN;
    const object: Record<string, unknown> = {};
    let count = 0;
    for (;;) {
      if (this.data[this.pos] === TAG.endObject) {
        this.pos++;
        if (this.varint() !== count) throw NOT_PLAIN;
        return object;
      }
      const key = this.value(depth + 1);
      // An own "__proto__" would set the prototype by assignment: left to v8.
      if ((typeof key !== 'string' && typeof key !== 'number') || key === '__proto__') throw NOT_PLAIN;
      object[key] = this.value(depth + 1);
      count++;
    }
  }
}

/** What `v8.deserialize(data.subarray(offset))` gives for a plain object, else `NOT_PLAIN`. */
export function readPlainObject(data: Buffer, offset: number): Record<string, unknown> | typeof NOT_PLAIN {
  if (data[offset] !== HEADER[0] || data[offset + 1] !== HEADER[1] || data[offset + 2] !== TAG.beginObject) return NOT_PLAIN;
  const reader = new Reader(data, offset + 2);
  try {
    const value = reader.value(0) as Record<string, unknown>;
    return reader.pos === data.length ? value : NOT_PLAIN;
  } catch (err) {
    if (err === NOT_PLAIN) return NOT_PLAIN;
    throw err;
  }
}
