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
