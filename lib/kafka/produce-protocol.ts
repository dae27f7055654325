import type { KafkaConfig, ProducerConfig } from 'kafkajs';
import type { PackedMessages } from './packed-messages';
import type { PostedLogLine } from '../log';
import type { ErrorLink } from './error-chain';
import type { Produced } from './produced';

/** What the produce thread is started with: everything must survive structured cloning. */
export interface ProduceThreadConfig {
  kafka: KafkaConfig;
  producer: ProducerConfig;
}

/**
 * Offsets committed by a transaction for a consumer group (Kafka's convention:
 * a partition's offset is the next record to read, i.e. the last handled
 * offset + 1).
 */
export interface TransactionOffsets {
  consumerGroupId: string;
  topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: number }> }>;
}

/**
 * Which transactional producer a command is for: one per `TransactionalSender`
 * (`sender`, unique in the process), created where the producers live on its
 * first command.
 */
export interface TransactionalRef {
  sender: number;
  transactionalId: string;
}

/** A step of a transactional producer other than sending records. */
export type TransactionCommand = { op: 'begin' } | { op: 'sendOffsets'; offsets: TransactionOffsets } | { op: 'commit' } | { op: 'abort' } | { op: 'close' };

export type ToProduceThread =
  /** `transactional`: sent in the open transaction of that producer, else by the plain producer. */
  | { type: 'send'; id: number; topic: string; acks: number; compression: number; messages: PackedMessages; transactional?: TransactionalRef }
  | { type: 'transaction'; id: number; transactional: TransactionalRef; command: TransactionCommand }
  | { type: 'close' };

export type FromProduceThread =
  /** `positions`: partition and offset of each message, in turn (see `packPositions`). */
  | { type: 'sent'; id: number; positions: Float64Array }
  /** A `transaction` command succeeded. */
  | { type: 'done'; id: number }
  | { type: 'failed'; id: number; error: ErrorLink[] }
  | PostedLogLine
  | { type: 'closed' };

/** Where a request's messages went, as one transferable array: partition, offset, partition, offset, … */
export function packPositions(produced: Produced[]): Float64Array {
  const positions = new Float64Array(produced.length * 2);
  produced.forEach(({ partition, offset }, i) => {
    positions[i * 2] = partition;
    positions[i * 2 + 1] = offset;
  });
  return positions;
}

export function unpackPositions(positions: Float64Array): Produced[] {
  return Array.from({ length: positions.length / 2 }, (_, i) => ({ partition: positions[i * 2], offset: positions[i * 2 + 1] }));
}
