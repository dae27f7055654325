// Reading the fields of Kafka records (magic 2) from a buffer with plain
// numbers, for the decoders that replace kafkajs's (fast-record-decoder on
// every thread, lean-batch-decoder in the consume thread).

/**
 * Thrown inside a decoder to hand the record or batch to kafkajs's own
 * decoder: a value plain numbers cannot hold exactly, or a header name that
 * is special to objects.
 */
export const TO_KAFKAJS = Symbol('to kafkajs');

export type RecordHeaders = Record<string, Buffer | null | Array<Buffer | null>>;

export class RecordReader {
  constructor(
    readonly buf: Buffer,
    public at: number,
  ) {}

  /** kafkajs's `readVarInt`, the same arithmetic. */
  varint(): number {
    let byte: number;
    let result = 0;
    let shift = 0;
    do {
      byte = this.buf[this.at++];
      result += (byte & 0x7f) << shift;
      shift += 7;
    } while (byte >= 0x80);
    return (result >>> 1) ^ -(result & 1);
  }

  /** A zig-zag varlong of at most 7 bytes (49 bits) as a number, else TO_KAFKAJS. */
  varlong(): number {
    let unsigned = 0;
    let scale = 1;
    for (let i = 0; i < 7; i++) {
      const byte = this.buf[this.at++];
      unsigned += (byte & 0x7f) * scale;
      if (byte < 0x80) return unsigned % 2 === 0 ? unsigned / 2 : -(unsigned + 1) / 2;
      scale *= 128;
    }
    throw TO_KAFKAJS;
  }

  bytes(): Buffer | null {
    const length = this.varint();
    if (length === -1) return null;
    const start = this.at;
    this.at += length;
    return this.buf.subarray(start, this.at);
  }

  string(): string | null {
    const length = this.varint();
    if (length === -1) return null;
    const start = this.at;
    this.at += length;
    return this.buf.toString('utf8', start, this.at);
  }

  /** `count` headers, as kafkajs gives them: a name that comes several times has an array of its values. */
  headers(count: number): RecordHeaders {
    const headers: RecordHeaders = {};
    for (let i = 0; i < count; i++) {
      const name = String(this.string());
      if (name === '__proto__') throw TO_KAFKAJS;
      const one = this.bytes();
      const before = headers[name];
      headers[name] = before === undefined ? one : Array.isArray(before) ? before.concat([one]) : [before, one];
    }
    return headers;
  }
}
