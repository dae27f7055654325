import type { IHeaders, Message } from 'kafkajs';

/**
 * A produce request's messages in a form that crosses to a worker thread
 * cheaply: every key and value copied into one ArrayBuffer that is
 * transferred (not cloned), strings written there as UTF-8. Posting Buffers
 * would clone each one's whole backing store (for small Buffers, Node's
 * shared 8 KiB pool), and posting strings clones each one; the rare headers
 * and timestamps travel as cloned extras.
 */
export interface PackedMessages {
  count: number;
  bytes: ArrayBuffer;
  /** Per message: key length, value length (bytes of `bytes`; `NULL` for null), partition (or `NO_PARTITION`). */
  layout: Int32Array;
  extras: Array<{ index: number; headers?: IHeaders; timestamp?: string }>;
}

const NULL = -1;
const NO_PARTITION = -1;
const SLOTS = 3;

/** Strings up to this length are written by a loop while they are ASCII: a native write costs more for them. */
const SHORT_TEXT = 16;

function byteLength(part: Message['key']): number {
  if (part === null || part === undefined) return 0;
  return typeof part === 'string' ? Buffer.byteLength(part, 'utf8') : part.length;
}

/** Write `text` as UTF-8 at `at`; returns the number of bytes written. */
function writeText(target: Buffer, text: string, at: number): number {
  const length = text.length;
  if (length <= SHORT_TEXT) {
    let i = 0;
    for (; i < length; i++) {
      const code = text.charCodeAt(i);
      if (code >= 0x80) break;
      target[at + i] = code;
    }
    if (i === length) return length;
  }
  return target.write(text, at, 'utf8');
}

export function packMessages(messages: Message[]): PackedMessages {
  let total = 0;
  for (const { key, value } of messages) total += byteLength(key) + byteLength(value);
  const bytes = new ArrayBuffer(total);
  const target = Buffer.from(bytes);
  const layout = new Int32Array(messages.length * SLOTS);
  const extras: PackedMessages['extras'] = [];
  let cursor = 0;
  const put = (part: Message['key']): number => {
    if (part === null || part === undefined) return NULL;
    const length = typeof part === 'string' ? writeText(target, part, cursor) : part.copy(target, cursor);
    cursor += length;
    return length;
  };
  messages.forEach((message, i) => {
    layout[i * SLOTS] = put(message.key);
    layout[i * SLOTS + 1] = put(message.value);
    layout[i * SLOTS + 2] = message.partition ?? NO_PARTITION;
    // Empty headers (a Node-RED message passes its record's `{}` on) cost as much to clone as full ones.
    if (hasHeaders(message.headers) || message.timestamp !== undefined) {
      extras.push({ index: i, headers: hasHeaders(message.headers) ? cloneableHeaders(message.headers) : undefined, timestamp: message.timestamp });
    }
  });
  return { count: messages.length, bytes, layout, extras };
}

/** The messages again; keys and values are views of `packed.bytes`, not copies. */
export function unpackMessages(packed: PackedMessages): Message[] {
  const source = Buffer.from(packed.bytes);
  const messages: Message[] = new Array(packed.count);
  let cursor = 0;
  const take = (entry: number): Buffer | null => {
    if (entry === NULL) return null;
    const part = source.subarray(cursor, cursor + entry);
    cursor += entry;
    return part;
  };
  for (let i = 0; i < packed.count; i++) {
    const key = take(packed.layout[i * SLOTS]);
    const value = take(packed.layout[i * SLOTS + 1]);
    const partition = packed.layout[i * SLOTS + 2];
    messages[i] = partition === NO_PARTITION ? { key, value } : { key, value, partition };
  }
  for (const { index, headers, timestamp } of packed.extras) {
    if (headers) messages[index].headers = headersFromClone(headers);
    if (timestamp !== undefined) messages[index].timestamp = timestamp;
  }
  return messages;
}

export function hasHeaders(headers: IHeaders | undefined): headers is IHeaders {
  for (const _ in headers) return true;
  return false;
}

/**
 * Header Buffers as plain Uint8Array copies (a Buffer would clone its pool,
 * or a fetched record's whole fetch response; it arrives as a Uint8Array
 * anyway). A fetched header may be null: it stays null.
 */
export function cloneableHeaders(headers: IHeaders): IHeaders {
  const copy = (v: Buffer | string): Buffer | string => (typeof v === 'string' || v === null ? v : (new Uint8Array(v) as Buffer));
  const out: IHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.map(copy) : copy(value);
  }
  return out;
}

export function headersFromClone(headers: IHeaders): IHeaders {
  const buffer = (v: Buffer | string): Buffer | string => (typeof v === 'string' || v === null ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength));
  const out: IHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.map(buffer) : buffer(value);
  }
  return out;
}
