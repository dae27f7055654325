import type { IHeaders, KafkaMessage } from 'kafkajs';

export type Headers = Record<string, string | Buffer | (string | Buffer)[] | undefined>;

/** A consumed record as the adapter hands it out: raw bytes, numeric positions. */
export interface RawRecord {
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Headers;
  timestamp: number;
}

export function toRawRecord(topic: string, partition: number, message: KafkaMessage): RawRecord {
  return {
    topic,
    partition,
    offset: Number(message.offset),
    key: message.key,
    value: message.value,
    headers: (message.headers ?? {}) as IHeaders,
    timestamp: Number(message.timestamp),
  };
}

/** A record the topic's codec could not decode: where it is, its raw bytes, and why. */
export class DecodeError extends Error {
  override readonly name = 'DecodeError';
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly key: Buffer | null;
  /** The raw value the codec rejected. */
  readonly value: Buffer | null;

  constructor(record: RawRecord, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(`Cannot decode record of Topic ${record.topic} partition ${record.partition} offset ${record.offset}: ${reason}`, { cause });
    this.topic = record.topic;
    this.partition = record.partition;
    this.offset = record.offset;
    this.key = record.key;
    this.value = record.value;
  }
}
