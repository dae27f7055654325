import type { Admin } from 'kafkajs';

/** What was being done to a topic when the broker refused. */
export type TopicOperation = 'create';

/**
 * The broker refused an operation on a topic: `topic`, `operation` and the
 * broker's error `code` (e.g. `INVALID_TOPIC_EXCEPTION`) are fields; the
 * message says why. The kafkajs error is the `cause`.
 */
export class TopicError extends Error {
  constructor(
    readonly topic: string,
    readonly operation: TopicOperation,
    readonly code: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`Cannot ${operation} topic "${topic}" (${code}): ${reason}`, options);
    this.name = 'TopicError';
  }
}

/** Kafka's longest topic name (org.apache.kafka.common.internals.Topic). */
const MAX_NAME_LENGTH = 249;

/** Why Kafka's naming rules reject `name`, or undefined when they allow it. */
export function topicNameProblem(name: string): string | undefined {
  if (name === '.' || name === '..') return `a topic name cannot be "." or ".."`;
  if (name.length > MAX_NAME_LENGTH) return `it has ${name.length} characters; a topic name has at most ${MAX_NAME_LENGTH}`;
  const illegal = [...new Set(name.replace(/[a-zA-Z0-9._-]/g, ''))].map((c) => JSON.stringify(c));
  if (illegal.length === 0) return undefined;
  const list = illegal.length > 1 ? `${illegal.slice(0, -1).join(', ')} and ${illegal[illegal.length - 1]}` : illegal[0];
  return `it contains ${list}; a topic name may contain only ASCII letters, digits, '.', '_' and '-'`;
}

interface KafkaJSTopicError {
  topic?: string;
  type?: string;
  message: string;
}

/** The broker's refusal of `topic` in a kafkajs error (`Topic creation errors` aggregates one per topic). */
function refusalOf(err: unknown, topic: string): KafkaJSTopicError | undefined {
  const errors = (err as { errors?: KafkaJSTopicError[] }).errors;
  const single = err as KafkaJSTopicError;
  return errors?.find((e) => e.topic === topic) ?? (single.topic === topic && single.type ? single : undefined);
}

/** Why the broker refused: kafkajs keeps only the error code, so an invalid name is explained here. */
function reasonOf(refusal: KafkaJSTopicError, topic: string): string {
  if (refusal.type !== 'INVALID_TOPIC_EXCEPTION') return refusal.message;
  return (
    topicNameProblem(topic) ??
    `${refusal.message} (Kafka also refuses a name that collides with an existing one, differing only in '.' and '_')`
  );
}

/**
 * Create `topic` unless it exists. Subscribing to a missing topic on KRaft
 * fails with "This server does not host this topic-partition", so every
 * consumer and producer of this library ensures its topic first. A refusal
 * of the broker is a `TopicError`.
 */
export async function ensureTopic(
  admin: Admin,
  topic: string,
  numPartitions: number,
  configEntries?: Array<{ name: string; value: string }>,
): Promise<void> {
  const existing = await admin.listTopics();
  if (existing.includes(topic)) return;
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions, configEntries }], waitForLeaders: true });
  } catch (err) {
    const refusal = refusalOf(err, topic);
    // Another client may have created it between the two calls.
    if (refusal?.type === 'TOPIC_ALREADY_EXISTS') return;
    if (refusal?.type) throw new TopicError(topic, 'create', refusal.type, reasonOf(refusal, topic), { cause: err });
    throw err;
  }
}
