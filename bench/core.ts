// Throughput of the core data flow: one async-generator source -> one handler
// -> one function sink, against a bare `for await` loop doing the same work.
// Runs interleave and repeat; the table shows medians.
//   node dist/bench/core.js [messages]
import { Conf, handle, stream } from '../lib';
import { median, runBench, writeResults } from './support';

const MESSAGES = Number(process.argv[2] ?? 1_000_000);
const REPEATS = 3;

async function* numbers(count: number): AsyncGenerator<number> {
  for (let n = 0; n < count; n++) yield n;
}

const double = (n: number): number => n * 2;

/** Runs one variant over `count` messages; returns elapsed ns and the checksum its sink saw. */
type Variant = (count: number) => Promise<{ ns: number; checksum: number }>;

const bare: Variant = async (count) => {
  let checksum = 0;
  const sink = (v: number): void => void (checksum += v);
  const start = process.hrtime.bigint();
  for await (const n of numbers(count)) sink(double(n));
  return { ns: Number(process.hrtime.bigint() - start), checksum };
};

const slipstream: Variant = async (count) => {
  let checksum = 0;
  Conf.reset();
  handle(numbers(count), { sink: [(v: number) => void (checksum += v)] })(double);
  const start = process.hrtime.bigint();
  await stream();
  return { ns: Number(process.hrtime.bigint() - start), checksum };
};

async function main(): Promise<void> {
  const variants: Record<string, Variant> = { 'bare for await': bare, slipstream };
  const expected = MESSAGES * (MESSAGES - 1); // sum of 2n for n < MESSAGES
  for (const run of Object.values(variants)) await run(Math.min(MESSAGES, 100_000)); // warm-up
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
  for (let i = 0; i < REPEATS; i++) {
    for (const [name, run] of Object.entries(variants)) {
      const { ns, checksum } = await run(MESSAGES);
      if (checksum !== expected) throw new Error(`${name}: sink saw checksum ${checksum}, expected ${expected}`);
      times[name].push(ns);
    }
  }
  const baseNsPerMsg = median(times['bare for await']) / MESSAGES;
  const rows = Object.entries(times).map(([name, ns]) => {
    const nsPerMsg = median(ns) / MESSAGES;
    return {
      variant: name,
      msgsPerSec: Math.round(1e9 / nsPerMsg),
      nsPerMsg: Number(nsPerMsg.toFixed(1)),
      overheadNsPerMsg: Number((nsPerMsg - baseNsPerMsg).toFixed(1)),
      runsMs: ns.map((t) => Number((t / 1e6).toFixed(1))),
    };
  });
  console.log(`core: ${MESSAGES.toLocaleString('en')} messages, median of ${REPEATS} interleaved runs, Node ${process.version}`);
  console.table(
    Object.fromEntries(
      rows.map((r) => [r.variant, { 'msgs/s': r.msgsPerSec, 'ns/msg': r.nsPerMsg, 'overhead ns/msg': r.overheadNsPerMsg }]),
    ),
  );
  writeResults('core', { messages: MESSAGES, repeats: REPEATS, rows });
}

runBench(main);
