import { randomBytes } from 'node:crypto';

const COUNTER_SPAN = 0x1_0000_0000;
let prefix = '';
let counter = COUNTER_SPAN;

/**
 * A message id shaped like Node-RED's `generateId()` (16 hex digits), for
 * nodes that send a message per record: a random half, drawn again every
 * 2^32 ids, and a process-wide counter, so no two ids of this process are
 * alike. Node-RED draws 8 random numbers per id, 0.3 µs of each topic-in
 * message.
 */
export function nextMessageId(): string {
  if (counter === COUNTER_SPAN) {
    prefix = randomBytes(4).toString('hex');
    counter = 0;
  }
  return prefix + (counter++).toString(16).padStart(8, '0');
}
