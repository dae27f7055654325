import type { Admin } from 'kafkajs';

/**
 * Create `topic` unless it exists. Subscribing to a missing topic on KRaft
 * fails with "This server does not host this topic-partition", so every
 * consumer and producer of this library ensures its topic first.
 */
export async function ensureTopic(admin: Admin, topic: string, numPartitions: number): Promise<void> {
  const existing = await admin.listTopics();
  if (existing.includes(topic)) return;
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true });
  } catch (err) {
    // Another client may have created it between the two calls.
    if ((err as { type?: string }).type !== 'TOPIC_ALREADY_EXISTS') throw err;
  }
}
