import type { IHeaders, Message } from 'kafkajs';

/**
 * A produce request's messages in a form that crosses to a worker thread
 * cheaply: every key and value Buffer copied into one ArrayBuffer that is
 * transferred (not cloned). Posting the Buffers themselves would clone each
 * one's whole backing store, which for small Buffers is Node's shared 8 KiB
 * pool. Strings travel as strings (the worker encodes them), and the rare
 * headers and timestamps as cloned extras.
 */
export interface PackedMessages {
  count: number;
  bytes: ArrayBuffer;
  /** Per message: key, value, partition (see `NULL`, `STRING`, `NO_PARTITION`). */
  layout: Int32Array;
  strings: string[];
  extras: Array<{ index: number; headers?: IHeaders; timestamp?: string }>;
}

/** Layout entries for a key or value: a length ≥ 0 means that many bytes from `bytes`. */
const NULL = -1;
const STRING = -2;
const NO_PARTITION = -1;
const SLOTS = 3;

type Part = Message['value'];

function byteLength(part: Message['key']): number {
  return Buffer.isBuffer(part) ? part.length : 0;
}

export function packMessages(messages: Message[]): PackedMessages {
  let total = 0;
  for (const { key, value } of messages) total += byteLength(key) + byteLength(value);
  const bytes = new ArrayBuffer(total);
  const target = Buffer.from(bytes);
  const layout = new Int32Array(messages.length * SLOTS);
  const strings: string[] = [];
  const extras: PackedMessages['extras'] = [];
  let cursor = 0;
  const put = (part: Message['key']): number => {
    if (part === null || part === undefined) return NULL;
    if (typeof part === 'string') {
      strings.push(part);
      return STRING;
    }
    part.copy(target, cursor);
    cursor += part.length;
    return part.length;
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
  return { count: messages.length, bytes, layout, strings, extras };
}

/** The messages again; keys and values are views of `packed.bytes`, not copies. */
export function unpackMessages(packed: PackedMessages): Message[] {
  const source = Buffer.from(packed.bytes);
  const messages: Message[] = new Array(packed.count);
  let cursor = 0;
  let nextString = 0;
  const take = (entry: number): Part => {
    if (entry === NULL) return null;
    if (entry === STRING) return packed.strings[nextString++];
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
