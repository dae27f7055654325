// What every benchmark shares: medians, the results file, the exit code, and
// the bare kafkajs consumer used as the ceiling.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Kafka } from 'kafkajs';

export function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

/** Write `bench/results/<name>.json` with the machine added; returns its path. */
export function writeResults(name: string, report: object): string {
  const file = path.join(__dirname, '..', '..', 'bench', 'results', `${name}.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const machine = { cores: os.cpus().length, node: process.version, platform: `${os.platform()} ${os.arch()}` };
  fs.writeFileSync(file, `${JSON.stringify({ bench: name, date: new Date().toISOString(), machine, ...report }, null, 2)}\n`);
  console.log(`written ${file}`);
  return file;
}

/** Run a benchmark's main and exit (Kafka clients may keep the process alive). */
export function runBench(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}

/** The ceiling: kafkajs eachBatch, JSON.parse per message, nothing else. Returns msgs/s from the first batch on. */
export async function bareConsume(kafka: Kafka, topic: string, count: number): Promise<number> {
  const consumer = kafka.consumer({ groupId: `${topic}-bare` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  let seen = 0;
  let first = 0;
  const ms = await new Promise<number>((resolve) => {
    void consumer.run({
      eachBatch: async ({ batch }) => {
        if (first === 0) first = performance.now();
        for (const message of batch.messages) JSON.parse(String(message.value));
        seen += batch.messages.length;
        if (seen >= count) resolve(performance.now() - first);
      },
    });
  });
  await consumer.disconnect();
  if (seen !== count) throw new Error(`bare consumer saw ${seen} of ${count}`);
  return count / (ms / 1000);
}
