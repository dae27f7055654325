// The consume thread (see `ConsumeThread`): one kafkajs consumer on a worker
// thread, so that fetching and decoding records, and the garbage that makes,
// stay off the thread that runs the handlers. Each batch kafkajs hands to
// `eachBatch` goes to the main thread packed (`packRecords`), and the fetch
// position moves past it at once, so that the next fetch runs while the main
// thread works (see `AHEAD_BYTES`).
import { parentPort, workerData } from 'node:worker_threads';
import { installLeanBatchDecoder } from './lean-batch-decoder';

// Before kafkajs loads in this thread (./client loads it): the imports below run in order.
if (!installLeanBatchDecoder()) throw new Error('consume-worker: kafkajs was loaded before its record batch decoder could be replaced');

import type { EachBatchPayload, InstrumentationEvent } from 'kafkajs';
import { postingLogger } from '../log';
import { createKafka } from './client';
import type { ConsumeThreadConfig, FromConsumeThread, InstrumentationEventCopy, ToConsumeThread } from './consume-thread';
import { type ErrorLink, fromErrorChain, toErrorChain } from './error-chain';
import { type PackedRecords, packRecords, transferablesOf } from './packed-records';

const port = parentPort;
if (!port) throw new Error('consume-worker runs as a worker thread (started by ConsumeThread)');
const post = (message: FromConsumeThread, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);
const logger = postingLogger(post);
const config = workerData as ConsumeThreadConfig;
const consumer = createKafka(config.kafka, logger).consumer(config.consumer);

/**
 * Batches posted and not yet done on the main thread, at most this many
 * bytes (see `costOf`; one batch always goes): kafkajs fetches the next
 * response only once `eachBatch` returned for every batch of the last one,
 * so `eachBatch` returns as soon as its batch is posted, and the main thread
 * has the next batches at hand while it works.
 */
const AHEAD_BYTES = 4 * 1024 * 1024;
/** How often a batch waiting for room heartbeats (kafkajs rate-limits heartbeats to its `heartbeatInterval`). */
const HEARTBEAT_EVERY_MS = 100;
let aheadBytes = 0;
const ahead = new Map<number, number>();
let roomWaiter: (() => void) | undefined;
/** A failure of the main thread's `eachBatch`: kafkajs sees it at the next batch. */
let failure: ErrorLink[] | undefined;
let batches = 0;
/** Per partition ("topic|partition"): the main thread's last seek that took effect here. */
const seeks = new Map<string, number>();
/** Group joins so far: a batch fetched before a join is stale after it. */
let joins = 0;

/** What a batch counts against `AHEAD_BYTES`: its keys and values, and their records' arrays and objects. */
function costOf(records: PackedRecords): number {
  return records.bytes.byteLength + records.count * RECORD_OVERHEAD_BYTES;
}
const RECORD_OVERHEAD_BYTES = 64;

async function eachBatch(payload: EachBatchPayload): Promise<void> {
  const { batch, isStale, isRunning, heartbeat, resolveOffset } = payload;
  const { topic, partition } = batch;
  const key = `${topic}|${partition}`;
  if (isStale()) return; // fetched before a seek: kafkajs fetches again from the new position
  // Where the partition was when the batch was fetched: a seek or a join while it waits for room makes it stale.
  const seek = seeks.get(key) ?? 0;
  const joined = joins;
  while (aheadBytes >= AHEAD_BYTES && !failure) {
    if (!isRunning()) return; // stopping
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, HEARTBEAT_EVERY_MS);
      roomWaiter = () => (clearTimeout(timer), resolve());
    });
    roomWaiter = undefined;
    await heartbeat();
  }
  if (failure) {
    const error = fromErrorChain(failure);
    failure = undefined;
    throw error;
  }
  // Not resolved: kafkajs fetches again from the position the seek or the join set.
  if (isStale() || (seeks.get(key) ?? 0) !== seek || joins !== joined) return;
  const id = ++batches;
  const records = packRecords(batch.messages);
  const cost = costOf(records);
  ahead.set(id, cost);
  aheadBytes += cost;
  post({ type: 'batch', batch: id, topic, partition, seek, joins: joined, records }, transferablesOf(records));
  // The main thread takes it from here: it seeks back to what it does not hand out.
  resolveOffset(batch.lastOffset());
}

/** Errors in an event's payload become error chains; the rest is cloned as it is. */
function copyOf({ id, type, timestamp, payload }: InstrumentationEvent<Record<string, unknown>>): InstrumentationEventCopy {
  const copy: Record<string, unknown> = {};
  const errors: Record<string, ErrorLink[]> = {};
  for (const [name, value] of Object.entries(payload ?? {})) {
    if (value instanceof Error) errors[name] = toErrorChain(value);
    else copy[name] = value;
  }
  return { id, type, timestamp, payload: copy, errors };
}

const listening = new Set<string>();

/**
 * Pauses and resumes kafkajs refused (it throws while it restarts after a
 * crash), applied again in order at the next join. A refused seek is not:
 * the join starts every partition from its committed offset anyway.
 */
let refused: Array<Extract<ToConsumeThread, { type: 'pause' | 'resume' }>> = [];
consumer.on(consumer.events.GROUP_JOIN, () => {
  joins++;
  const again = refused;
  refused = [];
  for (const message of again) apply(message);
});

function apply(message: Extract<ToConsumeThread, { type: 'pause' | 'resume' | 'seek' }>): void {
  try {
    if (message.type === 'seek') consumer.seek({ topic: message.topic, partition: message.partition, offset: message.offset });
    else consumer[message.type](message.topics);
  } catch (error) {
    logger.info(`kafkajs: ${message.type} not applied now: ${error instanceof Error ? error.message : String(error)}${message.type === 'seek' ? '' : ' (applied again at the next join)'}`);
    if (message.type !== 'seek') refused.push(message);
  }
}

function call(method: string, args: unknown[]): Promise<unknown> {
  switch (method) {
    case 'connect':
      return consumer.connect();
    case 'subscribe':
      return consumer.subscribe(args[0] as Parameters<typeof consumer.subscribe>[0]);
    case 'run':
      return consumer.run({ ...(args[0] as object), eachBatch });
    case 'commitOffsets':
      return consumer.commitOffsets(args[0] as Parameters<typeof consumer.commitOffsets>[0]);
    case 'describeGroup':
      return consumer.describeGroup();
    case 'disconnect':
      return consumer.disconnect();
    default:
      return Promise.reject(new Error(`the consume thread has no method ${method}`));
  }
}

port.on('message', (message: ToConsumeThread) => {
  switch (message.type) {
    case 'call': {
      const { id } = message;
      call(message.method, message.args).then(
        (result) => post({ type: 'reply', id, result }),
        (error: unknown) => post({ type: 'reply', id, error: toErrorChain(error) }),
      );
      return;
    }
    case 'pause':
    case 'resume':
      apply(message);
      return;
    case 'seek':
      // The main thread's count moves on even if kafkajs refuses the seek (it is restarting): see `apply`.
      seeks.set(`${message.topic}|${message.partition}`, message.seek);
      apply(message);
      return;
    case 'listen':
      if (listening.has(message.event)) return;
      listening.add(message.event);
      consumer.on(message.event as never, (event: InstrumentationEvent<Record<string, unknown>>) => post({ type: 'event', event: copyOf(event) }));
      return;
    case 'batchDone': {
      aheadBytes -= ahead.get(message.batch) ?? 0;
      ahead.delete(message.batch);
      if (message.error) failure ??= message.error;
      roomWaiter?.();
      return;
    }
  }
});
