import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { type Message, Partitioners, type PartitionMetadata } from 'kafkajs';
import should from 'should';
import { groupMessagesPerPartition } from '../../lib/kafka/linear-grouping';

/** dist/ (this file is dist/test/unit/linear-grouping.spec.js). */
const dist = path.resolve(__dirname, '../..');

/** kafkajs 2.2.4's own grouping (src/producer/groupMessagesPerPartition.js), the reference. */
function kafkajsGrouping({ topic, partitionMetadata, messages, partitioner }: Parameters<typeof groupMessagesPerPartition>[0]): Record<number, Message[]> {
  if (partitionMetadata.length === 0) return {};
  return messages.reduce<Record<number, Message[]>>((result, message) => {
    const partition = partitioner({ topic, partitionMetadata, message });
    const current = result[partition] || [];
    return Object.assign(result, { [partition]: [...current, message] });
  }, {});
}

describe('kafkajs grouping per partition (linear)', () => {
  const partitionMetadata = Array.from({ length: 6 }, (_, partitionId): PartitionMetadata => ({ partitionId, leader: 0, replicas: [0], isr: [0], partitionErrorCode: 0 }));

  it('groups as kafkajs does: the same partitions, each with its messages in request order', () => {
    // Keyed: kafkajs spreads keyless messages from a random start.
    const messages: Message[] = Array.from({ length: 2_000 }, (_, i) => ({ key: `user-${i % 313}`, value: String(i) }));
    const args = { topic: 't', partitionMetadata, messages, partitioner: Partitioners.DefaultPartitioner() };
    const ours = groupMessagesPerPartition(args);
    const reference = kafkajsGrouping(args);
    should(Object.keys(ours)).have.length(6);
    should(Object.keys(ours)).eql(Object.keys(reference));
    for (const partition of Object.keys(reference)) should(ours[Number(partition)]).eql(reference[Number(partition)]);
    should(groupMessagesPerPartition({ ...args, partitionMetadata: [] })).eql({});
  });

  it('replaces kafkajs\'s own when the library is loaded before kafkajs (a fresh process)', () => {
    const script = `
      const lib = require(${JSON.stringify(path.join(dist, 'lib'))});
      const grouping = require('kafkajs/src/producer/groupMessagesPerPartition');
      const ours = require(${JSON.stringify(path.join(dist, 'lib', 'kafka', 'linear-grouping'))});
      process.stdout.write(JSON.stringify({ same: grouping === ours.groupMessagesPerPartition, installed: ours.linearGroupingInstalled(), topic: typeof lib.Topic }));
    `;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: path.resolve(dist, '..'), encoding: 'utf8' })) as Record<string, unknown>;
    should(out).eql({ same: true, installed: true, topic: 'function' });
  });
});
