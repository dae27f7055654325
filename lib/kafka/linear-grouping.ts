// kafkajs 2.2.4 groups a produce request's messages per partition by copying
// the partition's array for every message (`[...current, message]`): O(n²) per
// request, 1.5 µs of CPU per record at 2,000 records a request, and as much
// again in garbage. This module replaces kafkajs's grouping with a linear one
// of the same result. kafkajs's producer binds the function when it loads, so
// this must be required before kafkajs (./kafkajs requires it first); when
// kafkajs's producer is loaded already, it changes nothing.
import type { Message, PartitionerArgs, PartitionMetadata } from 'kafkajs';
import { replaceModule } from './replace-module';

type Grouping = (args: {
  topic: string;
  partitionMetadata: PartitionMetadata[];
  messages: Message[];
  partitioner: (args: PartitionerArgs) => number;
}) => Record<number, Message[]>;

/** The messages of each partition, in their order in `messages` (as kafkajs's own grouping). */
export const groupMessagesPerPartition: Grouping = ({ topic, partitionMetadata, messages, partitioner }) => {
  const result: Record<number, Message[]> = {};
  if (partitionMetadata.length === 0) return result;
  for (const message of messages) {
    const partition = partitioner({ topic, partitionMetadata, message });
    (result[partition] ??= []).push(message);
  }
  return result;
};

const GROUPING_MODULE = 'kafkajs/src/producer/groupMessagesPerPartition';
const PRODUCER_MODULE = 'kafkajs/src/producer/sendMessages';

const installed = replaceModule<Grouping>(GROUPING_MODULE, PRODUCER_MODULE, () => groupMessagesPerPartition);

/** Whether kafkajs's producer in this thread groups with `groupMessagesPerPartition` (it was not loaded before this module). */
export function linearGroupingInstalled(): boolean {
  return installed;
}
