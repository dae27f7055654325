import type { ICustomPartitioner, Message, RecordMetadata } from 'kafkajs';
import { Partitioners } from './kafkajs';

/**
 * Where the broker put a produced record: its partition and offset (a
 * number, as a consumed record's; -1 with `acks: 0`, when the broker does not
 * answer).
 */
export interface Produced {
  partition: number;
  offset: number;
}

/**
 * kafkajs's DefaultPartitioner (murmur2 of the key, as Java's), writing the
 * partition it gives into the message (`message.partition`, which the
 * DefaultPartitioner then returns as it is): `producedPositions` needs it,
 * and a request kafkajs retries keeps its keyless records on the partitions
 * they were given first. (A WeakMap beside the messages cost 0.6 µs per
 * record; the messages are the library's own objects.)
 */
export const pinningPartitioner: ICustomPartitioner = () => {
  const partitioner = Partitioners.DefaultPartitioner();
  return (args) => {
    const partition = partitioner(args);
    args.message.partition = partition;
    return partition;
  };
};

/**
 * Each message's partition and offset, once `producer.send(messages)`
 * resolved with `metadata`: kafkajs writes a partition's messages in their
 * order in the request, so a message's offset is its partition's base offset
 * plus the number of messages before it in that partition.
 */
export function producedPositions(messages: Message[], metadata: RecordMetadata[]): Produced[] {
  const next = new Map<number, number>();
  for (const { partition, baseOffset } of metadata) if (baseOffset !== undefined) next.set(partition, Number(baseOffset));
  return messages.map((message) => {
    const { partition } = message;
    if (partition === undefined || partition === null) throw new Error('a produced message was never given a partition (the producer was not made by createProducer)');
    const offset = next.get(partition);
    if (offset === undefined) return { partition, offset: -1 };
    next.set(partition, offset + 1);
    return { partition, offset };
  });
}
