import type { PartitionMetadata } from 'kafkajs';
import { Partitioners } from '../kafka/kafkajs';
import { decodeKey } from '../cache/keys';

const partitioner = Partitioners.DefaultPartitioner();
const metadata = new Map<number, PartitionMetadata[]>();

/**
 * The partition the default partitioner (murmur2, as Java's and kafkajs's)
 * gives a record whose key is the cache key `encoded` (as `Topic` sends keys:
 * strings and Buffers as they are, numbers and booleans as text), among
 * `partitions`: where a changelog write made outside a record's handling goes.
 */
export function partitionOfKey(encoded: Buffer, partitions: number): number {
  const key = decodeKey(encoded);
  let partitionMetadata = metadata.get(partitions);
  if (!partitionMetadata) {
    partitionMetadata = Array.from({ length: partitions }, (_, partitionId) => ({ partitionId, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }));
    metadata.set(partitions, partitionMetadata);
  }
  return partitioner({ topic: '', partitionMetadata, message: { key: Buffer.isBuffer(key) ? key : String(key), value: null } });
}
