// The consume thread's record batch decoder. kafkajs 2.2.4 decodes every
// fetched record into an object with Buffer views for its key and value, a
// Buffer view and a decoder object for the record itself, strings for its
// offset and timestamp, and a headers object: most of the consume thread's
// time and garbage. The consume thread only copies keys and values into the
// batch it hands over (`packRecords`), so this decoder leaves each record as
// one object holding numbers: where its key and value lie in the batch's
// buffer, its offset and its timestamp. Nothing outside the consume thread
// sees these records, and kafkajs's consumer reads only their offsets (it
// takes numbers as well as strings), `isControlRecord`, `batchContext`, and
// the key of a transaction marker, which stays a Buffer. A batch whose
// offsets or timestamps numbers cannot hold exactly goes to kafkajs's decoder.
// Installed by lib/kafka/consume-worker.ts before kafkajs loads there, and
// nowhere else.
import { type RecordHeaders, RecordReader, TO_KAFKAJS } from './record-reader';
import { replaceModule } from './replace-module';

const BATCH_DECODER_MODULE = 'kafkajs/src/protocol/recordBatch/v0/decoder';
const DECODE_MESSAGES_MODULE = 'kafkajs/src/protocol/requests/fetch/v4/decodeMessages';

interface KafkajsDecoder {
  buffer: Buffer;
  offset: number;
  readInt8(): number;
  readInt16(): number;
  readInt32(): number;
  readInt64(): { toString(): string };
  slice(size: number): KafkajsDecoder;
  forward(size: number): void;
  readAll(): Buffer;
}

interface Codec {
  decompress(buffer: Buffer): Promise<Buffer>;
}

/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs's internals, pinned to 2.2.4 */
const { KafkaJSPartialMessageError } = require('kafkajs/src/errors') as { KafkaJSPartialMessageError: new (message: string) => Error };
const { lookupCodecByAttributes } = require('kafkajs/src/protocol/message/compression') as { lookupCodecByAttributes(attributes: number): Codec | undefined };
const { LOG_APPEND_TIME, CREATE_TIME } = require('kafkajs/src/protocol/timestampTypes') as { LOG_APPEND_TIME: number; CREATE_TIME: number };
/* eslint-enable @typescript-eslint/no-require-imports */

const TIMESTAMP_TYPE_FLAG_MASK = 0x8;
const TRANSACTIONAL_FLAG_MASK = 0x10;
const CONTROL_FLAG_MASK = 0x20;

/** What kafkajs's batch decoder gives a record as `batchContext`. */
export interface BatchContext {
  firstOffset: string;
  firstTimestamp: string;
  partitionLeaderEpoch: number;
  inTransaction: boolean;
  isControlBatch: boolean;
  lastOffsetDelta: number;
  producerId: string;
  producerEpoch: number;
  firstSequence: number;
  maxTimestamp: string;
  timestampType: number;
}

/** A fetched record as this decoder leaves it (see the top of this module). */
export interface LeanRecord {
  offset: number;
  timestamp: number;
  /** The buffer `keyAt` and `valueAt` are positions in. */
  buffer: Buffer;
  keyAt: number;
  /** -1: a null key. */
  keyLength: number;
  valueAt: number;
  valueLength: number;
  /** Only what a transaction marker needs: its key (kafkajs reads it to tell an abort marker). */
  key?: Buffer | null;
  headers: RecordHeaders;
  isControlRecord: boolean;
  batchContext: BatchContext;
}

/** Headers of records that have none: one frozen object for all (only `packRecords` reads them). */
const NO_HEADERS = Object.freeze({}) as LeanRecord['headers'];

function exact(n: number): number {
  if (!Number.isSafeInteger(n)) throw TO_KAFKAJS;
  return n;
}

/** The records of one batch, read by `r` from where it stands. */
function decodeRecords(r: RecordReader, count: number, context: BatchContext): LeanRecord[] {
  const offsetBase = exact(Number(context.firstOffset));
  const timestampBase = exact(Number(context.firstTimestamp));
  const appendTime = context.timestampType === LOG_APPEND_TIME ? exact(Number(context.maxTimestamp)) : undefined;
  const control = context.isControlBatch;
  const records = new Array<LeanRecord>(count);
  for (let i = 0; i < count; i++) {
    const length = r.varint();
    const end = r.at + length;
    r.at++; // attributes (unused by records of magic 2)
    const timestampDelta = r.varlong();
    const offset = exact(offsetBase + r.varint());
    const keyLength = r.varint();
    const keyAt = r.at;
    if (keyLength > 0) r.at += keyLength;
    const valueLength = r.varint();
    const valueAt = r.at;
    if (valueLength > 0) r.at += valueLength;
    const headerCount = r.varint();
    const headers = headerCount > 0 ? r.headers(headerCount) : NO_HEADERS;
    r.at = end;
    const record: LeanRecord = {
      offset,
      timestamp: appendTime ?? exact(timestampBase + timestampDelta),
      buffer: r.buf,
      keyAt,
      keyLength,
      valueAt,
      valueLength,
      headers,
      isControlRecord: control,
      batchContext: context,
    };
    if (control) record.key = keyLength < 0 ? null : r.buf.subarray(keyAt, keyAt + keyLength);
    records[i] = record;
  }
  return records;
}

type BatchDecoder = (decoder: KafkajsDecoder) => Promise<BatchContext & { records: unknown[] }>;

/** kafkajs's record batch decoder, leaving records lean (see above); `original` decodes what numbers cannot hold. */
export function leanBatchDecoder(original: BatchDecoder): BatchDecoder {
  return async (fetchDecoder) => {
    const start = fetchDecoder.offset;
    // The batch's header, read as kafkajs reads it.
    const firstOffset = fetchDecoder.readInt64().toString();
    const length = fetchDecoder.readInt32();
    const decoder = fetchDecoder.slice(length);
    fetchDecoder.forward(length);
    if (decoder.buffer.length < length) {
      throw new KafkaJSPartialMessageError(`Tried to decode a partial record batch: remainingBytes(${decoder.buffer.length}) < recordBatchLength(${length})`);
    }
    const partitionLeaderEpoch = decoder.readInt32();
    decoder.readInt8(); // magic byte, read by the fetch response already
    decoder.readInt32(); // CRC, not checked (as kafkajs)
    const attributes = decoder.readInt16();
    const context: BatchContext = {
      firstOffset,
      partitionLeaderEpoch,
      lastOffsetDelta: decoder.readInt32(),
      firstTimestamp: decoder.readInt64().toString(),
      maxTimestamp: decoder.readInt64().toString(),
      producerId: decoder.readInt64().toString(),
      producerEpoch: decoder.readInt16(),
      firstSequence: decoder.readInt32(),
      inTransaction: (attributes & TRANSACTIONAL_FLAG_MASK) > 0,
      isControlBatch: (attributes & CONTROL_FLAG_MASK) > 0,
      timestampType: (attributes & TIMESTAMP_TYPE_FLAG_MASK) > 0 ? LOG_APPEND_TIME : CREATE_TIME,
    };
    const codec = lookupCodecByAttributes(attributes);
    try {
      const count = decoder.readInt32();
      if (count <= 0) return { ...context, records: [] };
      if (!codec) return { ...context, records: decodeRecords(new RecordReader(decoder.buffer, decoder.offset), count, context) };
      const records = await codec.decompress(decoder.readAll());
      return { ...context, records: decodeRecords(new RecordReader(records, 0), count, context) };
    } catch (err) {
      if (err !== TO_KAFKAJS) throw err;
      fetchDecoder.offset = start;
      return original(fetchDecoder);
    }
  };
}

/**
 * Make kafkajs's consumers in this thread decode record batches with
 * `leanBatchDecoder`: only the consume thread, before kafkajs loads there
 * (elsewhere kafkajs's records must stay as kafkajs makes them). Whether it
 * was installed (kafkajs's fetch decoding was not loaded yet).
 */
export function installLeanBatchDecoder(): boolean {
  return replaceModule<BatchDecoder>(BATCH_DECODER_MODULE, DECODE_MESSAGES_MODULE, leanBatchDecoder);
}
