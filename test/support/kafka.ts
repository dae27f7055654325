// Helpers for tests that need the real broker started by scripts/kafka.
import { randomBytes } from 'node:crypto';
import { Kafka, KafkaConfig, logLevel } from 'kafkajs';
import { Conf } from '../../lib';
import type { Topic, TopicRecord } from '../../lib/topic';

/** Bootstrap addresses of the test broker, from KAFKA_BROKERS (comma separated). */
export function brokers(): string[] {
  const list = (process.env.KAFKA_BROKERS ?? '').split(',').map((b) => b.trim()).filter(Boolean);
  if (list.length === 0) {
    throw new Error('KAFKA_BROKERS is not set: run the tests through `npm test` or set KAFKA_BROKERS (e.g. KAFKA_BROKERS=$(node scripts/kafka start | tail -1))');
  }
  return list;
}

/** A kafkajs client for the test broker; kafkajs' own logging stays quiet. */
export function kafka(config: Partial<KafkaConfig> = {}): Kafka {
  return new Kafka({ clientId: 'slipstream-test', brokers: brokers(), logLevel: logLevel.NOTHING, ...config });
}

/**
 * Call in a `describe`: resets `Conf` before each test, and after it stops
 * every topic passed to the returned `track` (and resets `Conf` again).
 */
export function trackTopics(): <T extends Topic<any>>(topic: T) => T {
  const topics: Topic<any>[] = [];
  beforeEach(() => Conf.reset());
  afterEach(async () => {
    await Promise.all(topics.splice(0).map((t) => t.exitHook()));
    Conf.reset();
  });
  return (topic) => (topics.push(topic), topic);
}

/** The next `count` records, pulled with next() so the consumer stays open for what follows. */
export async function take<V>(topic: Topic<V>, count: number): Promise<TopicRecord<V>[]> {
  const records: TopicRecord<V>[] = [];
  while (records.length < count) {
    const result = await topic.next();
    if (result.done) throw new Error('the topic stream ended early');
    records.push(result.value as TopicRecord<V>);
  }
  return records;
}

/** A topic name no other test (or earlier run) has used. */
export function uniqueTopic(prefix = 'test'): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/**
 * Creates a topic and waits for its partition leaders: on KRaft, kafkajs cannot
 * subscribe to a topic that does not exist yet.
 */
export async function createTopic(name: string, partitions = 1): Promise<void> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic: name, numPartitions: partitions }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

/**
 * Bootstrap addresses of the SASL test broker (`scripts/kafka start --sasl`),
 * from KAFKA_SASL_BROKERS; undefined when it is not set, so SASL tests can skip.
 */
export function saslBrokers(): string[] | undefined {
  const list = (process.env.KAFKA_SASL_BROKERS ?? '').split(',').map((b) => b.trim()).filter(Boolean);
  return list.length > 0 ? list : undefined;
}

/**
 * The TLS listener of the SASL test broker and the CA file that trusts its
 * self-signed certificate (KAFKA_TLS_BROKERS, KAFKA_TLS_CA, set by `npm test`);
 * undefined when not set, so TLS tests can skip.
 */
export function tlsBroker(): { brokers: string[]; ca: string } | undefined {
  const list = (process.env.KAFKA_TLS_BROKERS ?? '').split(',').map((b) => b.trim()).filter(Boolean);
  const ca = process.env.KAFKA_TLS_CA;
  return list.length > 0 && ca ? { brokers: list, ca } : undefined;
}

/** Users that `scripts/kafka start --sasl` creates for PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512. */
export const SASL_USERS = { alice: 'alice-secret', bob: 'bob-secret' } as const;
