import { EventEmitter } from 'node:events';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Consumer, ConsumerConfig, ConsumerCrashEvent, ConsumerGroupJoinEvent, ConsumerRunConfig, EachBatchPayload, KafkaConfig } from 'kafkajs';
import type { Logger, PostedLogLine } from '../log';
import { type ErrorLink, fromErrorChain, toErrorChain } from './error-chain';
import { FETCHED, PackedRecordCursor, type PackedRecords } from './packed-records';

/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs's internals, pinned to 2.2.4 */
const { events: CONSUMER_EVENTS } = require('kafkajs/src/consumer/instrumentationEvents') as { events: Consumer['events'] };
const SubscriptionState = require('kafkajs/src/consumer/subscriptionState') as new () => {
  assign(topicPartitions: Array<{ topic: string; partitions: number[] }>): void;
  pause(topicPartitions: Array<{ topic: string; partitions?: number[] }>): void;
  resume(topicPartitions: Array<{ topic: string; partitions?: number[] }>): void;
  paused(): Array<{ topic: string; partitions: number[] }>;
};
/* eslint-enable @typescript-eslint/no-require-imports */

/** What the consume thread is started with: everything must survive structured cloning. */
export interface ConsumeThreadConfig {
  kafka: KafkaConfig;
  consumer: ConsumerConfig;
}

/** The consumer's methods the main thread calls and waits for. */
export type ConsumerMethod = 'connect' | 'subscribe' | 'run' | 'commitOffsets' | 'describeGroup' | 'disconnect';

/** A topic, or some of its partitions (kafkajs's `pause`/`resume` argument). */
export type TopicPartitions = Array<{ topic: string; partitions?: number[] }>;

export type ToConsumeThread =
  | { type: 'call'; id: number; method: ConsumerMethod; args: unknown[] }
  | { type: 'pause' | 'resume'; topics: TopicPartitions }
  /** `seek`: numbers the seeks of the main thread, so that a batch fetched before this one took effect is known as stale. */
  | { type: 'seek'; topic: string; partition: number; offset: string; seek: number }
  /** Forward the consumer's instrumentation event `event` from now on. */
  | { type: 'listen'; event: string }
  /** The main thread is done with a batch (`error`: its `eachBatch` failed; kafkajs sees that at the next batch). */
  | { type: 'batchDone'; batch: number; error?: ErrorLink[] };

export type FromConsumeThread =
  | { type: 'reply'; id: number; result?: unknown; error?: ErrorLink[] }
  /**
   * A fetched batch for `eachBatch`; `seek`: the last seek of the partition
   * that had taken effect when it was fetched, `joins`: the group joins
   * until then (a batch is stale once either moved on).
   */
  | { type: 'batch'; batch: number; topic: string; partition: number; seek: number; joins: number; records: PackedRecords }
  | { type: 'event'; event: InstrumentationEventCopy }
  | PostedLogLine;

/** A kafkajs instrumentation event as it crosses: errors in its payload as error chains (see `cloneablePayload`). */
export interface InstrumentationEventCopy {
  id: string;
  type: string;
  timestamp: number;
  payload: Record<string, unknown>;
  /** Fields of `payload` that were errors. */
  errors: Record<string, ErrorLink[]>;
}

/** What a `ConsumerFeed` (and `Topic.getConsumer()`) uses of a kafkajs consumer: a `Consumer` on this thread, or a `ConsumeThread`. */
export type FeedConsumer = Pick<Consumer, 'connect' | 'subscribe' | 'run' | 'pause' | 'resume' | 'paused' | 'seek' | 'commitOffsets' | 'describeGroup' | 'disconnect' | 'on' | 'events'>;

/** The consume thread's young generation: it holds only the fetch responses being decoded and packed. */
const RESOURCE_LIMITS = { maxYoungGenerationSizeMb: 16 };

type BatchMessage = Extract<FromConsumeThread, { type: 'batch' }>;

interface Waiting {
  resolve: (result: unknown) => void;
  reject: (error: Error) => void;
}

/**
 * A kafkajs consumer on a worker thread (lib/kafka/consume-worker.ts), so
 * that fetching and decoding records — and the garbage of decoding a whole
 * fetch response at once, which outlived the main thread's young-generation
 * collections — use another core than the handlers. Each batch crosses as one
 * transferred buffer (`packRecords`), and its records are made one at a time
 * as they are taken (`PackedRecordCursor`). To its user it is the kafkajs
 * consumer as `ConsumerFeed` uses it (`FeedConsumer`): `eachBatch` runs here,
 * with the batch's records behind `fetchedRecords()` (its `messages` are
 * empty) and `resolveOffset` and `heartbeat` left to the thread, which
 * resolves every batch it hands over and keeps the membership alive; events
 * and failures come back with the fields that are read, the client's log
 * lines go to the connection's logger. The thread starts at `connect()`
 * and ends after `disconnect()`; a thread that dies is a crash of the
 * consumer that is not restarted.
 */
export class ConsumeThread {
  readonly events = CONSUMER_EVENTS;
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly waiting = new Map<number, Waiting>();
  private readonly emitter = new EventEmitter();
  private eachBatch: ((payload: EachBatchPayload) => Promise<void>) | undefined;
  private running = false;
  /** Per partition ("topic|partition"): the number of its last seek (see `ToConsumeThread`). */
  private readonly seeks = new Map<string, number>();
  private lastSeek = 0;
  /** What is paused, as kafkajs keeps it (for `paused()`). */
  private readonly subscription = new SubscriptionState();
  private disconnected = false;
  /** Batches from the thread, the first one being handled. */
  private readonly batches: BatchMessage[] = [];
  /** Group joins so far (see `FromConsumeThread`). */
  private joins = 0;
  /** Rebalances begun so far: the join that ends one starts every partition from its committed offset. */
  private rebalances = 0;

  constructor(
    private readonly config: ConsumeThreadConfig,
    private readonly logger: Logger,
  ) {
    this.emitter.setMaxListeners(0);
    this.on(this.events.GROUP_JOIN, ({ payload }: ConsumerGroupJoinEvent) => {
      this.joins++;
      this.subscription.assign(Object.entries(payload.memberAssignment).map(([topic, partitions]) => ({ topic, partitions })));
    });
    // Before the feed's listener: a batch cut short by the feed's own handling of the rebalance is not sought back to.
    this.on(this.events.REBALANCING, () => this.rebalances++);
    this.on(this.events.CRASH, ({ payload }: ConsumerCrashEvent) => {
      if (!payload.restart) this.running = false;
    });
  }

  async connect(): Promise<void> {
    await this.call('connect');
  }

  async subscribe(subscription: Parameters<Consumer['subscribe']>[0]): Promise<void> {
    await this.call('subscribe', subscription);
  }

  /** Only `eachBatch` is supported (what `ConsumerFeed` uses). */
  async run({ eachBatch, eachMessage, ...config }: ConsumerRunConfig = {}): Promise<void> {
    if (!eachBatch || eachMessage) throw new TypeError('the consume thread runs eachBatch only');
    this.eachBatch = eachBatch;
    this.running = true;
    await this.call('run', config);
  }

  async commitOffsets(offsets: Parameters<Consumer['commitOffsets']>[0]): Promise<void> {
    await this.call('commitOffsets', offsets);
  }

  /** kafkajs's group description; the members' metadata and assignment are Buffers again (cloning made them Uint8Arrays). */
  async describeGroup(): ReturnType<Consumer['describeGroup']> {
    const group = (await this.call('describeGroup')) as Awaited<ReturnType<Consumer['describeGroup']>>;
    const buffer = (bytes: Uint8Array): Buffer => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    return { ...group, members: group.members.map((m) => ({ ...m, memberMetadata: buffer(m.memberMetadata), memberAssignment: buffer(m.memberAssignment) })) };
  }

  pause(topics: Parameters<Consumer['pause']>[0]): void {
    this.subscription.pause(topics);
    this.post({ type: 'pause', topics });
  }

  resume(topics: Parameters<Consumer['resume']>[0]): void {
    this.subscription.resume(topics);
    this.post({ type: 'resume', topics });
  }

  paused(): ReturnType<Consumer['paused']> {
    return this.subscription.paused();
  }

  seek({ topic, partition, offset }: Parameters<Consumer['seek']>[0]): void {
    const seek = ++this.lastSeek;
    this.seeks.set(`${topic}|${partition}`, seek);
    this.post({ type: 'seek', topic, partition, offset, seek });
  }

  /** Disconnects the consumer in the thread (batches already handed over are still handled here, but not sought back to), then ends the thread. */
  async disconnect(): Promise<void> {
    if (this.disconnected || !this.worker) return;
    this.running = false;
    const worker = this.worker;
    try {
      await this.call('disconnect');
    } finally {
      this.disconnected = true;
      await worker.terminate();
      this.failWaiting(new Error('the consumer was disconnected (its thread has ended)'));
    }
  }

  /** kafkajs's instrumentation events (`events`), forwarded from the thread from the first listener on. */
  on(eventName: string, listener: (event: never) => void): () => void {
    if (!Object.values(this.events).includes(eventName as never)) {
      throw new TypeError(`Event name should be one of ${Object.values(this.events).join(', ')}, got: ${eventName}`);
    }
    if (this.emitter.listenerCount(eventName) === 0 && this.worker) this.post({ type: 'listen', event: eventName });
    const forward = listener as (event: unknown) => void;
    this.emitter.on(eventName, forward);
    return () => this.emitter.off(eventName, forward);
  }

  private call(method: ConsumerMethod, ...args: unknown[]): Promise<unknown> {
    return this.request((id) => ({ type: 'call', id, method, args }));
  }

  private request(make: (id: number) => ToConsumeThread): Promise<unknown> {
    if (this.disconnected) return Promise.reject(new Error('the consumer was disconnected (its thread has ended)'));
    const id = ++this.nextId;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.post(make(id));
    });
  }

  private post(message: ToConsumeThread): void {
    if (!this.disconnected) this.started().postMessage(message);
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(path.join(__dirname, 'consume-worker.js'), { workerData: this.config, resourceLimits: RESOURCE_LIMITS });
    worker.on('message', (message: FromConsumeThread) => this.receive(message));
    worker.on('error', (error) => this.lost(worker, error));
    worker.on('exit', (code) => this.lost(worker, new Error(`the consume thread ended (exit code ${code})`)));
    this.worker = worker;
    // Events listened to before the thread started.
    for (const event of this.emitter.eventNames()) worker.postMessage({ type: 'listen', event: String(event) } satisfies ToConsumeThread);
    return worker;
  }

  private receive(message: FromConsumeThread): void {
    switch (message.type) {
      case 'log':
        this.logger[message.level](message.message);
        return;
      case 'reply': {
        const waiting = this.waiting.get(message.id);
        if (!waiting) return;
        this.waiting.delete(message.id);
        if (message.error) waiting.reject(fromErrorChain(message.error));
        else waiting.resolve(message.result);
        return;
      }
      case 'event':
        this.emit(message.event);
        return;
      case 'batch':
        this.queueBatch(message);
        return;
    }
  }

  private emit({ payload, errors, ...event }: InstrumentationEventCopy): void {
    for (const [name, chain] of Object.entries(errors)) payload[name] = fromErrorChain(chain);
    this.emitter.emit(event.type, { ...event, payload });
  }

  /** Batches are handled one at a time, in the order they came. */
  private queueBatch(message: BatchMessage): void {
    this.batches.push(message);
    if (this.batches.length === 1) void this.handleBatches();
  }

  private async handleBatches(): Promise<void> {
    while (this.batches.length > 0) {
      const message = this.batches[0];
      let error: unknown;
      try {
        await this.handleBatch(message);
      } catch (err) {
        error = err;
        this.logger.error(`Consumer of ${message.topic} partition ${message.partition}: handling a fetched batch failed, its records not handed out are fetched again: ${err instanceof Error ? err.message : String(err)}`);
      }
      this.batches.shift();
      this.post({ type: 'batchDone', batch: message.batch, error: error === undefined ? undefined : toErrorChain(error) });
    }
  }

  /**
   * kafkajs's `eachBatch`, on this thread. The thread has moved its fetch
   * position past the batch already: what `eachBatch` does not hand out
   * (paused, stopping) is sought back to, unless the partition moved
   * meanwhile (a seek, a join, a rebalance begun), so that it is fetched again.
   */
  private async handleBatch({ topic, partition, seek, joins, records }: BatchMessage): Promise<void> {
    const key = `${topic}|${partition}`;
    const isStale = (): boolean => (this.seeks.get(key) ?? 0) !== seek || this.joins !== joins;
    if (!this.eachBatch || isStale()) return;
    const rebalances = this.rebalances;
    const cursor = new PackedRecordCursor(records);
    const unsupported = (): never => {
      throw new Error('not available with the consume thread');
    };
    const payload = {
      batch: { topic, partition, messages: [], [FETCHED]: cursor },
      // The thread resolves every batch it posts and keeps the group membership alive itself.
      resolveOffset: () => undefined,
      heartbeat: () => Promise.resolve(),
      isRunning: () => this.running,
      isStale,
      pause: unsupported,
      commitOffsetsIfNecessary: unsupported,
      uncommittedOffsets: unsupported,
    } as unknown as EachBatchPayload;
    try {
      await this.eachBatch(payload);
    } finally {
      // Not during a rebalance: the join after it starts from the committed offset, which may be before this batch
      // (exactly-once aborts what was handled since the last commit), and a seek would skip that.
      if (!cursor.done && this.running && !isStale() && this.rebalances === rebalances) this.seek({ topic, partition, offset: String(cursor.offset) });
    }
  }

  private failWaiting(error: Error): void {
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    for (const { reject } of waiting) reject(error);
  }

  /** The thread failed or ended without `disconnect()`: what waited fails, and the consumer has crashed for good. */
  private lost(worker: Worker, error: Error): void {
    if (this.worker !== worker || this.disconnected) return;
    this.disconnected = true;
    this.running = false;
    this.failWaiting(error);
    this.emitter.emit(this.events.CRASH, { id: '0', type: this.events.CRASH, timestamp: Date.now(), payload: { error, groupId: this.config.consumer.groupId, restart: false } });
  }
}
