// The keyed workload of the broker-outage tests and its lost / duplicated / over-count figures.
import type { Kafka } from 'kafkajs';
import { sleep } from './wait';

/** Outage length and input size; the defaults keep a test well under 3 minutes. */
export const OUTAGE_MS = Number(process.env.SLIPSTREAM_OUTAGE_SECONDS ?? 20) * 1_000;
export const RECORDS = Number(process.env.SLIPSTREAM_OUTAGE_RECORDS ?? 3_000);
const KEYS = 30;

/** One input record: `amount` is added to its key's running total. */
export interface Input {
  id: number;
  amount: number;
}
/** One output record: the key's total after input `id`. */
export interface Output {
  id: number;
  total: number;
}

export function inputs(): Array<{ key: string; value: Input }> {
  return Array.from({ length: RECORDS }, (_, id) => ({ key: `k${id % KEYS}`, value: { id, amount: 1 + (id % 5) } }));
}

export async function produceInputs(kafka: Kafka, topic: string): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    const all = inputs();
    for (let i = 0; i < all.length; i += 1_000) {
      const messages = all.slice(i, i + 1_000).map(({ key, value }) => ({ key, value: JSON.stringify(value) }));
      await producer.send({ topic, messages });
    }
  } finally {
    await producer.disconnect();
  }
}

/** Reads `topic` from the start until every input id was seen in it or `ms` passed; every output record. */
export async function readOutputs(kafka: Kafka, topic: string, ms: number): Promise<Array<{ key: string; value: Output }>> {
  const outputs: Array<{ key: string; value: Output }> = [];
  const seen = new Set<number>();
  const consumer = kafka.consumer({ groupId: `${topic}-reader-${Date.now()}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        const value = JSON.parse(String(message.value)) as Output;
        outputs.push({ key: String(message.key), value });
        seen.add(value.id);
      },
    });
    const deadline = Date.now() + ms;
    while (seen.size < RECORDS && Date.now() < deadline) await sleep(200);
    await sleep(1_000); // duplicates that come right after the last new id
  } finally {
    await consumer.disconnect();
  }
  return outputs;
}

export interface Figures {
  records: number;
  lost: number;
  duplicated: number;
  /** Sum over keys of final total − exact total (records whose effect was applied twice). */
  overCount: number;
  /** Keys whose final total is below the exact one: lost effects. */
  keysShort: number;
}

/** Compares outputs and final totals (per key) with what the inputs call for. */
export function figures(outputs: Array<{ key: string; value: Output }>, finalTotals: Map<string, number>): Figures {
  const exact = new Map<string, number>();
  for (const { key, value } of inputs()) exact.set(key, (exact.get(key) ?? 0) + value.amount);
  const ids = new Set(outputs.map((o) => o.value.id));
  let overCount = 0;
  let keysShort = 0;
  for (const [key, total] of exact) {
    const final = finalTotals.get(key) ?? 0;
    if (final < total) keysShort++;
    else overCount += final - total;
  }
  return { records: RECORDS, lost: RECORDS - ids.size, duplicated: outputs.length - ids.size, overCount, keysShort };
}

/** The last total output for each key (outputs of one key are in order: one partition). */
export function lastTotals(outputs: Array<{ key: string; value: Output }>): Map<string, number> {
  const totals = new Map<string, number>();
  for (const { key, value } of outputs) totals.set(key, value.total);
  return totals;
}
