import { runForRecord } from '../../lib/core/record-scope';

/** The parts of a message that name the record it came from (as `slipstream-topic-in` sets them). */
export interface RecordFields {
  topic?: unknown;
  partition?: unknown;
}

/**
 * Run `fn` (a message's cache work) as the handling of the record the message
 * came from, when it names one — a string `msg.topic` and a whole, non-negative
 * `msg.partition`: a changelog cache written meanwhile logs the write to that
 * partition, whose new owner restores it after a rebalance. Any other message
 * runs as it is, and its writes go to their key's partition.
 */
export function inRecordOf<T>(msg: RecordFields, fn: () => T): T {
  const { topic, partition } = msg;
  if (typeof topic === 'string' && typeof partition === 'number' && Number.isInteger(partition) && partition >= 0) {
    return runForRecord({ topic, partition }, fn);
  }
  return fn();
}
