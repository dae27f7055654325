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
 * Runs once the flow finished with a message: with its record, the first
 * error a node completed it with (`done(err)`), and what the record's commit
 * must still wait for — the acknowledgements handed over with `handOverAck`
 * (undefined if none, one as it is, several as one). One function per
 * topic-in node, not one per message.
 */
export type Settle = (record: RecordPartition, error: Error | undefined, acked: PromiseLike<unknown> | undefined) => void;

/** An origin while its message is in the flow: who sent it, and its deliveries not yet completed. */
interface Tracked extends Origin {
  readonly owner: object;
  readonly settle: Settle;
  outstanding: number;
  error?: Error;
}

/**
 * The records topic-in nodes sent messages for, by message id, until the
 * flow finished with them: the record itself knows more than the message's
 * fields — whether its partition moved away since, and (exactly-once) the
 * consumer's transaction, which the message's outputs and state join. One
 * entry per message, for every topic-in node of the runtime: the runtime's
 * delivery and completion hooks (see `originDelivered`) look it up once.
 */
const origins = new Map<string, Tracked>();

/**
 * Message `msgId`, sent by topic-in `owner`, carries `record` until the flow
 * finished with it: every delivery to a node that calls `done()` counts
 * (`originDelivered`), every completion subtracts one (`originCompleted`),
 * and when none is outstanding `settle` runs once. A message is identified
 * by id, as Node-RED's `_msgid` survives cloning.
 */
export function trackOrigin(owner: object, msgId: string, record: RecordPartition, settle: Settle): void {
  origins.set(msgId, { owner, record, acks: [], settle, outstanding: 0 });
}

/** The runtime delivers message `msgId` to a node that will complete it. */
export function originDelivered(msgId: string): void {
  const origin = origins.get(msgId);
  if (origin) origin.outstanding++;
}

/** A node completed message `msgId` (with `error`, if it failed it). */
export function originCompleted(msgId: string, error?: Error): void {
  const origin = origins.get(msgId);
  if (!origin) return;
  if (error) origin.error ??= error;
  if (--origin.outstanding <= 0) settle(msgId, origin);
}

/** Settle `msgId` if no delivery is outstanding (call it right after sending: a message wired nowhere is done). */
export function settleIfIdle(msgId: string): void {
  const origin = origins.get(msgId);
  if (origin && origin.outstanding <= 0) settle(msgId, origin);
}

/** Forget the messages `owner` sent that the flow has not finished, without settling them (its topic-in closes: their records come again). */
export function forgetOriginsOf(owner: object): void {
  for (const [msgId, origin] of origins) if (origin.owner === owner) origins.delete(msgId);
}

function settle(msgId: string, origin: Tracked): void {
  origins.delete(msgId);
  origin.settle(origin.record, origin.error, ackOf(origin.acks));
}

/** What a commit waits for: nothing, one acknowledgement as it is, or several as one. */
function ackOf(acks: Array<PromiseLike<unknown>>): PromiseLike<unknown> | undefined {
  if (acks.length === 0) return undefined;
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
