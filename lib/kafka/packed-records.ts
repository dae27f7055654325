import type { IHeaders, KafkaMessage } from 'kafkajs';
import type { LeanRecord } from './lean-batch-decoder';
import { cloneableHeaders, hasHeaders, headersFromClone } from './packed-messages';
import { type Headers, type RawRecord, toRawRecord } from './record';

/**
 * A fetched batch's records (one partition's, as kafkajs hands them to
 * `eachBatch`) in a form that crosses from the consume thread cheaply: every
 * key and value copied into one ArrayBuffer that is transferred, offsets and
 * timestamps in a transferred Float64Array, and the rare headers as cloned
 * extras.
 */
export interface PackedRecords {
  count: number;
  bytes: ArrayBuffer;
  /** Per record: key length, value length; -1 for null. */
  lengths: Int32Array;
  /** Per record: offset, timestamp. */
  positions: Float64Array;
  headers: Array<{ index: number; headers: IHeaders }>;
}

const NULL = -1;

/** A fetched record as kafkajs decodes it, or as the consume thread's lean decoder leaves it. */
type Fetched = KafkaMessage | LeanRecord;

function isLean(record: Fetched): record is LeanRecord {
  return (record as LeanRecord).keyAt !== undefined;
}

function lengthOf(part: Buffer | null): number {
  return part === null ? NULL : part.length;
}

export function packRecords(records: Fetched[]): PackedRecords {
  const count = records.length;
  const lengths = new Int32Array(count * 2);
  let total = 0;
  for (let i = 0; i < count; i++) {
    const record = records[i];
    const keyLength = isLean(record) ? record.keyLength : lengthOf(record.key);
    const valueLength = isLean(record) ? record.valueLength : lengthOf(record.value);
    lengths[i * 2] = keyLength;
    lengths[i * 2 + 1] = valueLength;
    total += Math.max(0, keyLength) + Math.max(0, valueLength);
  }
  const bytes = new ArrayBuffer(total);
  const target = Buffer.from(bytes);
  const positions = new Float64Array(count * 2);
  const headers: PackedRecords['headers'] = [];
  let cursor = 0;
  for (let i = 0; i < count; i++) {
    const record = records[i];
    if (isLean(record)) {
      const { buffer, keyAt, keyLength, valueAt, valueLength } = record;
      if (keyLength > 0) cursor += buffer.copy(target, cursor, keyAt, keyAt + keyLength);
      if (valueLength > 0) cursor += buffer.copy(target, cursor, valueAt, valueAt + valueLength);
    } else {
      if (record.key) cursor += record.key.copy(target, cursor);
      if (record.value) cursor += record.value.copy(target, cursor);
    }
    positions[i * 2] = Number(record.offset);
    positions[i * 2 + 1] = Number(record.timestamp);
    if (hasHeaders(record.headers as IHeaders)) headers.push({ index: i, headers: cloneableHeaders(record.headers as IHeaders) });
  }
  return { count, bytes, lengths, positions, headers };
}

/** What the arrays of `packed` that can be transferred are. */
export function transferablesOf(packed: PackedRecords): ArrayBuffer[] {
  return [packed.bytes, packed.lengths.buffer as ArrayBuffer, packed.positions.buffer as ArrayBuffer];
}

/**
 * A fetched batch's records one after another, made into `RawRecord`s only
 * as they are taken: a batch of thousands is then not thousands of objects
 * that outlive young-generation collections while the handlers work through
 * it. `ConsumerFeed` reads every batch through one of these.
 */
export interface FetchedRecords {
  /** No record left. */
  readonly done: boolean;
  /** The offset of the next record. */
  readonly offset: number;
  /** The next record, and move past it. */
  take(topic: string, partition: number, epoch: number): RawRecord;
  /** Move past the next record without making it. */
  skip(): void;
}

/** Where a batch handed to `eachBatch` by a `ConsumeThread` carries its records (its `messages` are empty). */
export const FETCHED: unique symbol = Symbol('slipstream.fetched');

/** The records of a batch kafkajs handed to `eachBatch`, on this thread or from the consume thread. */
export function fetchedRecords(batch: { messages: KafkaMessage[] }): FetchedRecords {
  return (batch as { [FETCHED]?: FetchedRecords })[FETCHED] ?? new MessageCursor(batch.messages);
}

/** The records of a `PackedRecords`; keys and values are views of its `bytes`. */
export class PackedRecordCursor implements FetchedRecords {
  private index = 0;
  private at = 0;
  private nextHeaders = 0;

  constructor(private readonly packed: PackedRecords) {}

  get done(): boolean {
    return this.index >= this.packed.count;
  }

  get offset(): number {
    return this.packed.positions[this.index * 2];
  }

  take(topic: string, partition: number, epoch: number): RawRecord {
    const { packed, index } = this;
    const key = this.part(packed.lengths[index * 2]);
    const value = this.part(packed.lengths[index * 2 + 1]);
    const extra = packed.headers[this.nextHeaders];
    let headers: Headers = {};
    if (extra?.index === index) {
      headers = headersFromClone(extra.headers);
      this.nextHeaders++;
    }
    this.index++;
    return { epoch, topic, partition, offset: packed.positions[index * 2], key, value, headers, timestamp: packed.positions[index * 2 + 1] };
  }

  skip(): void {
    const { packed, index } = this;
    this.at += Math.max(0, packed.lengths[index * 2]) + Math.max(0, packed.lengths[index * 2 + 1]);
    if (packed.headers[this.nextHeaders]?.index === index) this.nextHeaders++;
    this.index++;
  }

  private part(length: number): Buffer | null {
    if (length === NULL) return null;
    const part = Buffer.from(this.packed.bytes, this.at, length);
    this.at += length;
    return part;
  }
}

/** The records of a batch kafkajs decoded on this thread (a consumer without the consume thread). */
export class MessageCursor implements FetchedRecords {
  private index = 0;

  constructor(private readonly messages: KafkaMessage[]) {}

  get done(): boolean {
    return this.index >= this.messages.length;
  }

  get offset(): number {
    return Number(this.messages[this.index].offset);
  }

  take(topic: string, partition: number, epoch: number): RawRecord {
    return toRawRecord(topic, partition, this.messages[this.index++], epoch);
  }

  skip(): void {
    this.index++;
  }
}
