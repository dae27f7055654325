import type { Admin } from 'kafkajs';
import { ensureTopic } from '../kafka/admin';

/**
 * A changelog topic does not fit its source: it must have the source's
 * partition count (partition p of the changelog holds the state of the
 * records of source partition p). Read `topic`, `partitions`, `source` and
 * `sourcePartitions`.
 */
export class ChangelogTopicError extends Error {
  override readonly name = 'ChangelogTopicError';

  constructor(
    readonly topic: string,
    readonly partitions: number,
    readonly source: string,
    readonly sourcePartitions: number,
  ) {
    super(
      `Changelog topic ${topic} has ${partitions} partition(s) but its source topic ${source} has ${sourcePartitions}: ` +
        'they must match (state of source partition p is logged to changelog partition p); ' +
        'delete the changelog topic or name another one',
    );
  }
}

/** Partitions of `topic` (which exists). */
export async function partitionCount(admin: Admin, topic: string): Promise<number> {
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
  return topics[0]?.partitions.length ?? 0;
}

/**
 * Make sure changelog `topic` exists, compacted (only the newest value of
 * each key is kept), with the source's partition count; an existing one
 * with another count is refused (`ChangelogTopicError`).
 */
export async function ensureChangelogTopic(admin: Admin, topic: string, source: string, sourcePartitions: number): Promise<void> {
  await ensureTopic(admin, topic, sourcePartitions, [{ name: 'cleanup.policy', value: 'compact' }]);
  const partitions = await partitionCount(admin, topic);
  if (partitions !== sourcePartitions) throw new ChangelogTopicError(topic, partitions, source, sourcePartitions);
}
