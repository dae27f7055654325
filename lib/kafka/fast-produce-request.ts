// kafkajs 2.2.4 encodes every record of a produce request through an Encoder
// of its own (a zeroed buffer, an array per varint, Long arithmetic for the
// timestamp delta), copies it into the batch and the batch into the request:
// about half of the produce thread's CPU, and most of its garbage. This module
// replaces kafkajs's Produce request (version 3, which versions 4–7 extend)
// with one that writes an uncompressed request in one pass into one buffer,
// byte for byte what kafkajs writes; a compressed request, or a message it
// does not expect (timestamps, keys that are neither strings nor buffers …),
// goes to kafkajs's own encoder. As `linear-grouping`, it must be required
// before kafkajs's producer loads the request (./kafkajs requires it before
// kafkajs); when the request was loaded already, it changes nothing.

import { replaceModule } from './replace-module';

const REQUEST_MODULE = 'kafkajs/src/protocol/requests/produce/v3/request';
const V4_MODULE = 'kafkajs/src/protocol/requests/produce/v4/request';

interface KafkajsLong {
  getHighBits(): number;
  getLowBits(): number;
}

interface KafkajsEncoder {
  buf: Buffer;
  offset: number;
}

type Header = string | Buffer;

interface RequestMessage {
  key?: Buffer | string | null;
  value?: Buffer | string | null;
  headers?: Record<string, Header | Header[] | undefined>;
  timestamp?: unknown;
}

interface PartitionData {
  partition: number;
  firstSequence?: number;
  messages: RequestMessage[];
}

export interface ProduceRequestArgs {
  acks: number;
  timeout: number;
  transactionalId?: string | null;
  producerId?: unknown;
  producerEpoch?: number;
  compression?: number;
  topicData: Array<{ topic: string; partitions: PartitionData[] }>;
}

export interface ProduceRequest {
  apiKey: number;
  apiVersion: number;
  apiName: string;
  expectResponse: () => boolean;
  encode: () => Promise<KafkajsEncoder>;
}

type RequestV3 = (args: ProduceRequestArgs) => ProduceRequest;

/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs's internals, pinned to 2.2.4 */
const Long = require('kafkajs/src/utils/long') as { fromValue(value: unknown): KafkajsLong; fromInt(value: number): KafkajsLong };
const Encoder = require('kafkajs/src/protocol/encoder') as new (initialSize?: number) => KafkajsEncoder;
const crc32C = require('kafkajs/src/protocol/recordBatch/crc32C') as (buffer: Buffer) => number;
const NO_COMPRESSION = (require('kafkajs/src/protocol/message/compression') as { Types: { None: number } }).Types.None;
/* eslint-enable @typescript-eslint/no-require-imports */

const MAGIC_BYTE = 2;
const TRANSACTIONAL_ATTRIBUTE = 16;
/** A record batch's fixed part: first offset, length, leader epoch, magic, crc, then the body's fixed part and the record count. */
const BATCH_OVERHEAD = 8 + 4 + 4 + 1 + 4 + (2 + 4 + 8 + 8 + 8 + 2 + 4 + 4);

function zigZag(value: number): number {
  return ((value << 1) ^ (value >> 31)) >>> 0;
}

function uvarintSize(value: number): number {
  let size = 1;
  while (value >= 0x80) {
    value >>>= 7;
    size++;
  }
  return size;
}

function varintSize(value: number): number {
  return uvarintSize(zigZag(value));
}

function byteLength(value: Header): number {
  return typeof value === 'string' ? Buffer.byteLength(value, 'utf8') : value.length;
}

/** Shared by the messages without headers (most): nothing is made per message for them. */
const NO_HEADERS: Array<[string, Header]> = [];

/** The headers as kafkajs lists them: an array value is one header per element. */
function headerList(headers: RequestMessage['headers']): Array<[string, Header]> | undefined {
  if (!headers) return NO_HEADERS;
  const list: Array<[string, Header]> = [];
  for (const key of Object.keys(headers)) {
    const value = headers[key];
    for (const one of Array.isArray(value) ? value : [value]) {
      if (typeof one !== 'string' && !Buffer.isBuffer(one)) return undefined;
      list.push([key, one]);
    }
  }
  return list;
}

function isBytes(value: unknown): value is Buffer | string | null | undefined {
  return value === null || value === undefined || typeof value === 'string' || Buffer.isBuffer(value);
}

/** A record's body size: what its length prefix says. */
function recordBodySize(message: RequestMessage, offsetDelta: number, headers: Array<[string, Header]>): number {
  const { key, value } = message;
  let size = 1 + 1 + varintSize(offsetDelta); // attributes, timestamp delta 0, offset delta
  size += key === null || key === undefined ? 1 : varintSize(byteLength(key)) + byteLength(key);
  size += value === null || value === undefined ? 1 : varintSize(byteLength(value)) + byteLength(value);
  size += varintSize(headers.length);
  for (const [name, one] of headers) size += varintSize(byteLength(name)) + byteLength(name) + varintSize(byteLength(one)) + byteLength(one);
  return size;
}

class Writer {
  offset = 0;
  constructor(readonly buf: Buffer) {}

  uvarint(value: number): void {
    while (value >= 0x80) {
      this.buf[this.offset++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    this.buf[this.offset++] = value;
  }

  varint(value: number): void {
    this.uvarint(zigZag(value));
  }

  int8(value: number): void {
    this.buf[this.offset++] = value & 0xff;
  }

  int16(value: number): void {
    this.offset = this.buf.writeInt16BE(value, this.offset);
  }

  int32(value: number): void {
    this.offset = this.buf.writeInt32BE(value, this.offset);
  }

  int64(value: unknown): void {
    const long = Long.fromValue(value);
    this.int32(long.getHighBits());
    this.int32(long.getLowBits());
  }

  string(value: string | null): void {
    if (value === null) {
      this.int16(-1);
      return;
    }
    this.int16(Buffer.byteLength(value, 'utf8'));
    this.offset += this.buf.write(value, this.offset, 'utf8');
  }

  bytes(value: Header): void {
    if (typeof value === 'string') {
      this.offset += this.buf.write(value, this.offset, 'utf8');
    } else {
      value.copy(this.buf, this.offset);
      this.offset += value.length;
    }
  }

  varintBytes(value: Header | null | undefined): void {
    if (value === null || value === undefined) {
      this.varint(-1);
      return;
    }
    this.varint(byteLength(value));
    this.bytes(value);
  }
}

interface Planned {
  headers: Array<Array<[string, Header]>>;
  bodies: number[];
  recordsSize: number;
}

/** Sizes of a partition's records, or undefined when one of its messages is not for this encoder. */
function plan(messages: RequestMessage[]): Planned | undefined {
  const headers: Array<Array<[string, Header]>> = [];
  const bodies: number[] = [];
  let recordsSize = 0;
  for (let i = 0; i < messages.length; i++) {
    const message = messages[i];
    if (message.timestamp !== undefined && message.timestamp !== null) return undefined;
    if (!isBytes(message.key) || !isBytes(message.value)) return undefined;
    const list = headerList(message.headers);
    if (!list) return undefined;
    const body = recordBodySize(message, i, list);
    headers.push(list);
    bodies.push(body);
    recordsSize += varintSize(body) + body;
  }
  return { headers, bodies, recordsSize };
}

function encodeRequest(args: ProduceRequestArgs, planned: Planned[][]): KafkajsEncoder {
  const { acks, timeout, topicData } = args;
  const transactionalId = args.transactionalId ?? null;
  const dateNow = Date.now();
  let size = 2 + (transactionalId === null ? 0 : Buffer.byteLength(transactionalId, 'utf8')) + 2 + 4 + 4;
  topicData.forEach(({ topic, partitions }, t) => {
    size += 2 + Buffer.byteLength(topic, 'utf8') + 4;
    partitions.forEach((_, p) => (size += 4 + 4 + BATCH_OVERHEAD + planned[t][p].recordsSize));
  });
  const w = new Writer(Buffer.allocUnsafe(size));
  w.string(transactionalId);
  w.int16(acks);
  w.int32(timeout);
  w.int32(topicData.length);
  topicData.forEach(({ topic, partitions }, t) => {
    w.string(topic);
    w.int32(partitions.length);
    partitions.forEach(({ partition, firstSequence = 0, messages }, p) => {
      const { headers, bodies, recordsSize } = planned[t][p];
      const batchSize = BATCH_OVERHEAD - 12 + recordsSize; // from the leader epoch on
      w.int32(partition);
      w.int32(12 + batchSize); // the record set: first offset, length, batch
      w.int64(0); // first offset
      w.int32(batchSize);
      w.int32(0); // partition leader epoch
      w.int8(MAGIC_BYTE);
      const crcAt = w.offset;
      w.offset += 4;
      const bodyAt = w.offset;
      w.int16(args.transactionalId ? TRANSACTIONAL_ATTRIBUTE : 0); // no compression, create time
      w.int32(messages.length - 1); // last offset delta
      w.int64(dateNow); // first timestamp
      w.int64(dateNow); // max timestamp
      w.int64(args.producerId ?? Long.fromInt(-1));
      w.int16(args.producerEpoch ?? 0);
      w.int32(firstSequence);
      w.int32(messages.length);
      messages.forEach((message, i) => {
        w.varint(bodies[i]);
        w.int8(0); // attributes
        w.int8(0); // timestamp delta: every record at the batch's first timestamp
        w.varint(i); // offset delta
        w.varintBytes(message.key);
        w.varintBytes(message.value);
        w.varint(headers[i].length);
        for (const [name, one] of headers[i]) {
          w.varintBytes(name);
          w.varintBytes(one);
        }
      });
      w.buf.writeUInt32BE(crc32C(w.buf.subarray(bodyAt, w.offset)), crcAt);
    });
  });
  if (w.offset !== size) throw new Error(`produce request: wrote ${w.offset} bytes of ${size} planned`);
  // kafkajs reads an Encoder's `buf` up to its `offset`.
  const encoder = new Encoder(0);
  encoder.buf = w.buf;
  encoder.offset = size;
  return encoder;
}

/** kafkajs's Produce request v3, with uncompressed record batches written in one pass (`original` writes the rest). */
export function fastProduceRequest(original: RequestV3): RequestV3 {
  return (args) => {
    const request = original(args);
    const kafkajsEncode = request.encode;
    request.encode = async () => {
      if ((args.compression ?? NO_COMPRESSION) !== NO_COMPRESSION) return kafkajsEncode();
      const planned: Planned[][] = [];
      for (const { partitions } of args.topicData) {
        const plans: Planned[] = [];
        for (const { messages } of partitions) {
          const one = messages.length > 0 ? plan(messages) : undefined;
          if (!one) return kafkajsEncode();
          plans.push(one);
        }
        planned.push(plans);
      }
      return encodeRequest(args, planned);
    };
    return request;
  };
}

// Versions 4–7 bind version 3 when they load.
const installed = replaceModule(REQUEST_MODULE, V4_MODULE, fastProduceRequest);

/** Whether kafkajs's Produce requests in this thread are written by `fastProduceRequest` (the request was not loaded before this module). */
export function fastProduceRequestInstalled(): boolean {
  return installed;
}
