// kafkajs 2.2.4 decodes each fetched record's timestamp and offset with Long
// arithmetic (a varlong read as a chain of Long objects, then Long additions
// and toString) and its headers by spreading a new object per header: a good
// part of the consumer's CPU and garbage per record. This module replaces
// kafkajs's record decoder with one that reads the same fields with plain
// numbers where they are exact (every timestamp and offset Kafka gives out is
// far below 2^53), giving the same record object; anything else goes to
// kafkajs's own decoder. As `fast-produce-request`, it must be required before
// kafkajs loads its record batch decoder (./kafkajs requires it before
// kafkajs); when that decoder was loaded already, it changes nothing.

import { type RecordHeaders, RecordReader, TO_KAFKAJS } from './record-reader';
import { replaceModule } from './replace-module';

const RECORD_DECODER_MODULE = 'kafkajs/src/protocol/recordBatch/record/v0/decoder';
const BATCH_DECODER_MODULE = 'kafkajs/src/protocol/recordBatch/v0/decoder';

interface KafkajsDecoder {
  buffer: Buffer;
  offset: number;
}

export interface BatchContext {
  firstOffset: string;
  firstTimestamp: string;
  maxTimestamp?: string;
  magicByte?: number;
  isControlBatch?: boolean;
  timestampType?: number;
}


export interface DecodedRecord {
  magicByte: number | undefined;
  attributes: number;
  timestamp: string;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: RecordHeaders;
  isControlRecord: boolean;
  batchContext: BatchContext;
}

type RecordDecoder = (decoder: KafkajsDecoder, batchContext?: BatchContext) => DecodedRecord;

/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs's internals, pinned to 2.2.4 */
const LOG_APPEND_TIME = (require('kafkajs/src/protocol/timestampTypes') as { LOG_APPEND_TIME: number }).LOG_APPEND_TIME;
/* eslint-enable @typescript-eslint/no-require-imports */

/** The numbers of a batch's first offset and timestamp: a batch's records are decoded one after another. */
let lastContext: BatchContext | undefined;
let offsetBase = 0;
let timestampBase = 0;

function basesOf(batchContext: BatchContext): void {
  if (batchContext === lastContext) return;
  const offset = Number(batchContext.firstOffset);
  const timestamp = Number(batchContext.firstTimestamp);
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(timestamp)) throw TO_KAFKAJS;
  lastContext = batchContext;
  offsetBase = offset;
  timestampBase = timestamp;
}

/** `base` plus `delta` as Long's toString would write it. */
function plus(base: number, delta: number): string {
  const sum = base + delta;
  if (!Number.isSafeInteger(sum)) throw TO_KAFKAJS;
  return String(sum);
}

function decodeFast(decoder: KafkajsDecoder, batchContext: BatchContext): DecodedRecord {
  basesOf(batchContext);
  const { magicByte, isControlBatch = false, timestampType, maxTimestamp } = batchContext;
  const r = new RecordReader(decoder.buffer, decoder.offset);
  const attributes = decoder.buffer.readInt8(r.at++);
  const timestampDelta = r.varlong();
  const timestamp = timestampType === LOG_APPEND_TIME && maxTimestamp ? maxTimestamp : plus(timestampBase, timestampDelta);
  const offset = plus(offsetBase, r.varint());
  const key = r.bytes();
  const value = r.bytes();
  const headers = r.headers(r.varint());
  decoder.offset = r.at;
  return { magicByte, attributes, timestamp, offset, key, value, headers, isControlRecord: isControlBatch, batchContext };
}

/** kafkajs's record decoder, with plain numbers where they are exact (`original` decodes the rest). */
export function fastRecordDecoder(original: RecordDecoder): RecordDecoder {
  return (decoder, batchContext = {} as BatchContext) => {
    const start = decoder.offset;
    try {
      return decodeFast(decoder, batchContext);
    } catch (err) {
      if (err !== TO_KAFKAJS) throw err;
      decoder.offset = start;
      return original(decoder, batchContext);
    }
  };
}

const installed = replaceModule(RECORD_DECODER_MODULE, BATCH_DECODER_MODULE, fastRecordDecoder);

/** Whether kafkajs's consumers in this thread decode records with `fastRecordDecoder` (its batch decoder was not loaded before this module). */
export function fastRecordDecoderInstalled(): boolean {
  return installed;
}
