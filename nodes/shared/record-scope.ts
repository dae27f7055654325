import { type RecordPartition, runForRecord } from '../../lib/core/record-scope';

/** The parts of a message that name the record it came from (as `slipstream-topic-in` sets them). */
export interface RecordFields {
  _msgid?: unknown;
  topic?: unknown;
  partition?: unknown;
}

/** A message's record, and the acknowledgements of what the flow queued for it without waiting. */
export interface Origin {
  readonly record: RecordPartition;
  readonly acks: Array<PromiseLike<unknown>>;
}

/**
 * The records topic-in nodes sent messages for, by message id, until the
 * flow finished with them: the record itself knows more than the message's
 * fields — whether its partition moved away since, and (exactly-once) the
 * consumer's transaction, which the message's outputs and state join.
 */
const origins = new Map<string, Origin>();

/** `record` is the record of message `msgId` until `forgetOrigin(msgId)`. */
export function rememberOrigin(msgId: string, record: RecordPartition): void {
  origins.set(msgId, { record, acks: [] });
}

/**
 * Forget message `msgId`'s record; returns what its commit must still wait
 * for: the acknowledgements handed over with `handOverAck` (undefined if none).
 */
export function forgetOrigin(msgId: string): PromiseLike<unknown> | undefined {
  const acks = origins.get(msgId)?.acks;
  origins.delete(msgId);
  if (!acks || acks.length === 0) return undefined;
  if (acks.length === 1) return acks[0];
  const all = Promise.all(acks);
  all.catch(() => undefined); // whoever takes it sees the failure; a caller that drops it must not crash the runtime
  return all;
}

/** The origin of message `msg` while it is one of a topic-in record the flow works on, else undefined. */
export function originOf(msg: RecordFields): Origin | undefined {
  return typeof msg._msgid === 'string' ? origins.get(msg._msgid) : undefined;
}

/**
 * The record of `origin` is committed only once `acked` resolved (a failure
 * fails the record): an output queued for it without waiting. An origin
 * forgotten meanwhile (its topic-in closed) is not committed anyway.
 */
export function handOverAck(origin: Origin, acked: PromiseLike<unknown>): void {
  if (!origin.acks.includes(acked)) origin.acks.push(acked);
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
  return inOriginOf(originOf(msg), msg, fn);
}

/** `inRecordOf` for a caller that looked the message's origin up already (undefined: it has none). */
export function inOriginOf<T>(origin: Origin | undefined, msg: RecordFields, fn: () => T): T {
  if (origin) return runForRecord(origin.record, fn);
  const { topic, partition } = msg;
  if (typeof topic === 'string' && typeof partition === 'number' && Number.isInteger(partition) && partition >= 0) {
    return runForRecord({ topic, partition }, fn);
  }
  return fn();
}
