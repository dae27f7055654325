import v8 from 'node:v8';
import { NOT_PLAIN, readPlainObject, writePlainObject } from './plain-v8';

export type Dumps = (value: unknown) => Buffer | Uint8Array | string;
export type Loads = (data: Buffer) => unknown;

/** A wide-column entity: `[name, value]` pairs in the order they were put. */
export type Columns = Array<[unknown, unknown]>;

/**
 * Stored value layout: one header byte, then the payload.
 * - PLAIN: `dumps(value)`.
 * - ENTITY (wide columns; rocksdb-native has no PutEntity): a u32 column
 *   count, then per column a u32 length + `dumps(name)` and a u32 length +
 *   `dumps(value)`.
 * The header is what lets `entities()`/`columns()` tell both apart whatever
 * bytes a custom `dumps` produces.
 */
const PLAIN = 0x00;
const ENTITY = 0x01;

/** Name of the column a plain value is seen as, as in RocksDB. */
const DEFAULT_COLUMN = '';

/**
 * What `v8.serialize` writes before a double's 8 bytes (header, version and
 * the double tag). Numbers, the common state (counters, totals), are encoded
 * and decoded without a serializer object, always as a double: what v8
 * writes for a non-Smi number, and what `v8.deserialize` reads (v8 itself
 * writes small integers with another tag; those are read through v8).
 */
const V8_NUMBER = Buffer.from(v8.serialize(0.5).subarray(0, -8));
const NUMBER_LENGTH = 1 + V8_NUMBER.length + 8;

export class ValueCodec {
  dumps: Dumps = v8.serialize;
  loads: Loads = v8.deserialize;

  encode(value: unknown): Buffer {
    if (typeof value === 'number' && this.dumps === v8.serialize) {
      const out = Buffer.allocUnsafe(NUMBER_LENGTH);
      out[0] = PLAIN;
      V8_NUMBER.copy(out, 1);
      out.writeDoubleLE(value, NUMBER_LENGTH - 8);
      return out;
    }
    if (typeof value === 'object' && value !== null && this.dumps === v8.serialize) {
      const plain = writePlainObject(value, 1);
      if (plain) {
        plain[0] = PLAIN;
        return plain;
      }
    }
    const payload = this.dump(value);
    const out = Buffer.allocUnsafe(1 + payload.length);
    out[0] = PLAIN;
    out.set(payload, 1);
    return out;
  }

  encodeEntity(names: unknown[], values: unknown[]): Buffer {
    if (!Array.isArray(names) || !Array.isArray(values) || names.length !== values.length) {
      throw new TypeError('putEntity expects two arrays of the same length: names and values');
    }
    const parts: Buffer[] = [Buffer.from([ENTITY]), u32(names.length)];
    const seen = new Set<string>();
    names.forEach((name, i) => {
      const encodedName = this.dump(name);
      const id = encodedName.toString('latin1');
      if (seen.has(id)) throw new Error(`putEntity: duplicate column name ${String(name)}`);
      seen.add(id);
      const encodedValue = this.dump(values[i]);
      parts.push(u32(encodedName.length), encodedName, u32(encodedValue.length), encodedValue);
    });
    return Buffer.concat(parts);
  }

  /** The value; for an entity, the value of its default column (`undefined` if it has none). */
  decode(stored: Buffer): unknown {
    if (stored[0] === PLAIN && this.loads === v8.deserialize) {
      if (isV8Number(stored)) return stored.readDoubleLE(NUMBER_LENGTH - 8);
      const plain = readPlainObject(stored, 1);
      if (plain !== NOT_PLAIN) return plain;
    }
    if (stored[0] === PLAIN) return this.loads(stored.subarray(1));
    return this.decodeEntity(stored).find(([name]) => name === DEFAULT_COLUMN)?.[1];
  }

  /** The columns; a plain value is one column named `''`. */
  decodeEntity(stored: Buffer): Columns {
    if (stored[0] === PLAIN) return [[DEFAULT_COLUMN, this.loads(stored.subarray(1))]];
    if (stored[0] !== ENTITY) throw new Error(`Cannot decode cache value: unknown header byte ${stored[0]}`);
    const count = stored.readUInt32BE(1);
    const columns: Columns = [];
    let offset = 5;
    const next = (): Buffer => {
      const length = stored.readUInt32BE(offset);
      const chunk = stored.subarray(offset + 4, offset + 4 + length);
      offset += 4 + length;
      return chunk;
    };
    for (let i = 0; i < count; i++) {
      const name = this.loads(next());
      columns.push([name, this.loads(next())]);
    }
    return columns;
  }

  private dump(value: unknown): Buffer {
    const out = this.dumps(value);
    if (typeof out === 'string') return Buffer.from(out);
    if (out instanceof Uint8Array) return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    throw new TypeError('dumps must return a Buffer, a Uint8Array or a string');
  }
}

function isV8Number(stored: Buffer): boolean {
  if (stored.length !== NUMBER_LENGTH) return false;
  for (let i = 0; i < V8_NUMBER.length; i++) if (stored[1 + i] !== V8_NUMBER[i]) return false;
  return true;
}

function u32(n: number): Buffer {
  const out = Buffer.allocUnsafe(4);
  out.writeUInt32BE(n);
  return out;
}
