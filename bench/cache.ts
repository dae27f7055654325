/**
 * Cache benchmark: 100,000 puts, gets, transactional increments and a full
 * iteration, with put/get/iteration compared against raw rocksdb-native calls
 * in the same run (interleaved, 3 repeats, medians). Operations are issued
 * 1,000 at a time, as a stream handler under load would. Increments run with
 * write-back (the default) and with `writeBack: false` (each write resolves
 * once it is in RocksDB). Rates include writing the buffered changes (the
 * commit barrier a stream runs).
 *
 *   npx tsc -p . && node dist/bench/cache.js
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { Cache } from '../lib/cache';
import { loadEngine } from '../lib/cache/engine';
import { commitBarrier } from '../lib/core/commit-barrier';
import { median, runBench, writeResults } from './support';

const N = 100_000;
const WINDOW = 1_000;
const REPEATS = 3;
const INCREMENT_KEYS = 100;

type Op = (i: number) => Promise<unknown>;

/** ops/s for N calls of `op`, WINDOW in flight at a time, until `settle()` (e.g. a flush) resolved. */
async function rate(op: Op, settle?: () => Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  for (let base = 0; base < N; base += WINDOW) {
    const batch: Array<Promise<unknown>> = [];
    for (let i = base; i < base + WINDOW; i++) batch.push(op(i));
    await Promise.all(batch);
  }
  await settle?.();
  return N / (Number(process.hrtime.bigint() - start) / 1e9);
}

async function iterationRate(iterate: () => AsyncIterable<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  let count = 0;
  for await (const entry of iterate()) if (entry) count++;
  if (count !== N) throw new Error(`iterated ${count} entries, expected ${N}`);
  return N / (Number(process.hrtime.bigint() - start) / 1e9);
}

const value = (i: number): unknown => ({ n: i, label: `item ${i}`, at: new Date(1700000000000 + i) });
const rawKey = (i: number): Buffer => {
  const key = Buffer.allocUnsafe(8);
  key.writeDoubleBE(i);
  return key;
};

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'slipstream-bench-cache-'));
  const cache = new Cache(path.join(root, 'cache'));
  const raw = new (loadEngine())(path.join(root, 'raw'), {});
  await Promise.all([cache.ready(), raw.ready()]);

  const cases: Record<string, { cache: () => Promise<number>; raw: () => Promise<number> }> = {
    put: {
      cache: () => rate((i) => cache.put(i, value(i)), commitBarrier),
      raw: () => rate((i) => raw.put(rawKey(i), v8.serialize(value(i)))),
    },
    get: {
      cache: () => rate((i) => cache.get(i)),
      raw: () => rate(async (i) => v8.deserialize((await raw.get(rawKey(i))) as Buffer)),
    },
    iteration: {
      cache: () => iterationRate(() => cache.items()),
      raw: () =>
        iterationRate(async function* () {
          const iterator = raw.iterator({}, { reverse: false, limit: Infinity, capacity: 1024, values: true });
          for await (const { key, value: stored } of iterator) yield [key, v8.deserialize(stored as Buffer)];
        }),
    },
  };

  const samples: Record<string, { cache: number[]; raw: number[] }> = {};
  for (let r = 0; r < REPEATS; r++) {
    for (const [name, run] of Object.entries(cases)) {
      const s = (samples[name] ??= { cache: [], raw: [] });
      // Alternate which side goes first so warm caches favour neither.
      if (r % 2 === 0) {
        s.raw.push(await run.raw());
        s.cache.push(await run.cache());
      } else {
        s.cache.push(await run.cache());
        s.raw.push(await run.raw());
      }
    }
  }

  const direct = new Cache(path.join(root, 'direct'), { writeBack: false });
  const increments: Record<'writeBack' | 'direct', number[]> = { writeBack: [], direct: [] };
  for (let r = 0; r < REPEATS; r++) {
    for (const [name, target] of [['writeBack', cache], ['direct', direct]] as const) {
      increments[name].push(
        await rate(
          (i) =>
            target.transaction(`counter:${i % INCREMENT_KEYS}`, async (c) => {
              const key = `counter:${i % INCREMENT_KEYS}`;
              await c.put(key, ((await c.get(key, 0)) as number) + 1);
            }),
          commitBarrier,
        ),
      );
    }
  }
  for (const target of [cache, direct]) {
    const counted = await target.getMany(Array.from({ length: INCREMENT_KEYS }, (_, k) => `counter:${k}`));
    if (counted.some((n) => n !== (N / INCREMENT_KEYS) * REPEATS)) throw new Error('lost increments');
  }

  const rows = Object.entries(samples).map(([operation, s]) => ({
    operation,
    cacheOpsPerSec: Math.round(median(s.cache)),
    rawOpsPerSec: Math.round(median(s.raw)),
    ratio: Number((median(s.cache) / median(s.raw)).toFixed(3)),
  }));
  for (const [name, label] of [['writeBack', ''], ['direct', ', writeBack: false']] as const) {
    rows.push({
      operation: `transaction increment (${INCREMENT_KEYS} keys${label})`,
      cacheOpsPerSec: Math.round(median(increments[name])),
      rawOpsPerSec: NaN,
      ratio: NaN,
    });
  }

  const fmt = (n: number): string => (Number.isNaN(n) ? '—' : n.toLocaleString('en-US'));
  console.log(`Cache benchmark: ${N.toLocaleString('en-US')} ops, ${WINDOW} in flight, median of ${REPEATS}`);
  console.log(`| operation | Cache ops/s | raw rocksdb-native ops/s | Cache / raw |`);
  console.log(`|---|---:|---:|---:|`);
  for (const row of rows) {
    console.log(`| ${row.operation} | ${fmt(row.cacheOpsPerSec)} | ${fmt(row.rawOpsPerSec)} | ${fmt(row.ratio)} |`);
  }

  writeResults('cache', {
    ops: N,
    inFlight: WINDOW,
    repeats: REPEATS,
    samples: { ...samples, increments },
    results: rows.map((row) => ({
      ...row,
      rawOpsPerSec: Number.isNaN(row.rawOpsPerSec) ? null : row.rawOpsPerSec,
      ratio: Number.isNaN(row.ratio) ? null : row.ratio,
    })),
  });

  await Promise.all([cache.close(), direct.close(), raw.close()]);
  fs.rmSync(root, { recursive: true, force: true });
}

runBench(main);
