import { type RecordPartition, runForRecord } from '../../lib/core/record-scope';

/** The parts of a message that name the record it came from (as `slipstream-topic-in` sets them). */
export interface RecordFields {
  _msgid?: unknown;
  topic?: unknown;
  partition?: unknown;
}

/**
 * The records topic-in nodes sent messages for, by message id, until the
 * flow finished with them: the record itself knows more than the message's
 * fields — whether its partition moved away since, and (exactly-once) the
 * consumer's transaction, which the message's outputs and state join.
 */
const origins = new Map<string, RecordPartition>();

/** `record` is the record of message `msgId` until `forgetOrigin(msgId)`. */
export function rememberOrigin(msgId: string, record: RecordPartition): void {
  origins.set(msgId, record);
}

export function forgetOrigin(msgId: string): void {
  origins.delete(msgId);
}

/**
 * Run `fn` (a message's cache work or output) as the handling of the record
 * the message came from: the record topic-in sent it for (by `msg._msgid`),
 * or else the one its fields name — a string `msg.topic` and a whole,
 * non-negative `msg.partition`. A changelog cache written meanwhile logs the
 * write to that partition, whose new owner restores it after a rebalance;
 * with the record itself, a write or output made after its partition moved
 * away is dropped (the new owner handles it again) and, exactly-once, what is
 * produced joins the consumer's transaction. Any other message runs as it
 * is, and its writes go to their key's partition.
 */
export function inRecordOf<T>(msg: RecordFields, fn: () => T): T {
  const origin = typeof msg._msgid === 'string' ? origins.get(msg._msgid) : undefined;
  if (origin) return runForRecord(origin, fn);
  const { topic, partition } = msg;
  if (typeof topic === 'string' && typeof partition === 'number' && Number.isInteger(partition) && partition >= 0) {
    return runForRecord({ topic, partition }, fn);
  }
  return fn();
}
