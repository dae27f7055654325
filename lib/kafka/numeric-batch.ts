// kafkajs 2.2.4's `Batch` (one partition's records of a fetch) keeps the
// records at or after the fetched offset by making a Long from every record's
// offset string and comparing Longs: an object or two per record, and about a
// tenth of a consumer's decoding time. This module replaces the constructor
// with one that compares plain numbers (every offset Kafka gives out is far
// below 2^53) and keeps kafkajs's own `Batch` behind it, so the batch has the
// same fields, the same prototype and the same methods; an offset numbers
// cannot hold exactly goes to kafkajs's constructor. As the other
// replacements, it must be required before kafkajs's consumer loads `Batch`
// (./kafkajs requires it first); when that was loaded already, it changes nothing.
import { replaceModule } from './replace-module';

const BATCH_MODULE = 'kafkajs/src/consumer/batch';
const CONSUMER_GROUP_MODULE = 'kafkajs/src/consumer/consumerGroup';

/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs's internals, pinned to 2.2.4 */
type FilterAborted = (args: { messages: FetchedMessage[]; abortedTransactions?: unknown[] }) => FetchedMessage[];
const filterAbortedMessages = require('kafkajs/src/consumer/filterAbortedMessages') as FilterAborted;
/* eslint-enable @typescript-eslint/no-require-imports */

interface FetchedMessage {
  offset: string;
  isControlRecord?: boolean;
}

interface PartitionData {
  partition: number;
  highWatermark: string;
  messages: FetchedMessage[];
  abortedTransactions?: unknown[];
}

type BatchConstructor = new (topic: string, fetchedOffset: string, partitionData: PartitionData) => object;

/** kafkajs's `Batch`, with its offsets compared as numbers where they are exact. */
export function numericBatch(Original: BatchConstructor): BatchConstructor {
  function Batch(topic: string, fetchedOffset: string, partitionData: PartitionData): object {
    const from = Number(fetchedOffset);
    const { messages, abortedTransactions } = partitionData;
    if (!Number.isSafeInteger(from)) return new Original(topic, fetchedOffset, partitionData);
    const within: FetchedMessage[] = [];
    for (const message of messages) {
      const offset = Number(message.offset);
      if (!Number.isSafeInteger(offset)) return new Original(topic, fetchedOffset, partitionData);
      if (offset >= from) within.push(message);
    }
    const batch = Object.create(Original.prototype) as Record<string, unknown>;
    batch.fetchedOffset = fetchedOffset;
    batch.topic = topic;
    batch.partition = partitionData.partition;
    batch.highWatermark = partitionData.highWatermark;
    batch.rawMessages = messages;
    batch.messagesWithinOffset = within;
    batch.messages = filterAbortedMessages({ messages: within, abortedTransactions }).filter((m) => !m.isControlRecord);
    return batch;
  }
  Batch.prototype = Original.prototype;
  return Batch as unknown as BatchConstructor;
}

const installed = replaceModule<BatchConstructor>(BATCH_MODULE, CONSUMER_GROUP_MODULE, numericBatch);

/** Whether kafkajs's consumers in this thread make batches with `numericBatch` (its consumer group was not loaded before this module). */
export function numericBatchInstalled(): boolean {
  return installed;
}
