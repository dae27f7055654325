import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import type { Admin, Message, Producer } from 'kafkajs';
import { type CacheRestoreProgress, TopicChangelog } from './changelog';
import { textEncoderOf } from './codecs';
import { Conf } from './core/conf';
import { isPromiseLike } from './core/sink';
import { currentRecord, type RecordPartition, runForRecord } from './core/record-scope';
import {
  type Accepted,
  CHANGELOG_SOURCE,
  type ChangelogPort,
  DEFERRED_SINK,
  EXIT_HOOK,
  type ICodec,
  KEYED_SINK,
  type Ledger,
  LEDGER_SOURCE,
  type LoggedState,
  NOTHING_NOW,
  ON_SIGNAL,
  TAKE_NOW,
} from './interfaces';
import { ProduceBatcher, type Retrying } from './kafka/batcher';
import { compressionOf } from './kafka/client';
import { isTransient } from './kafka/delivery';
import { type ResolvedConf, resolveTopicConf, type TopicConf, unknownKeys } from './kafka/config';
import type { FeedConsumer } from './kafka/consume-thread';
import { KafkaConnection } from './kafka/connection';
import type { Produced } from './kafka/produced';
import { ConsumerFeed, type ConsumerStateListener, type RecordFailureListener, type Subscription } from './kafka/feed';
import type { FailurePolicy, RecordPosition } from './kafka/ledger';
import { DecodeError, EPOCH, epochOf, type Headers, type RawRecord } from './kafka/record';
import { StreamTransaction, TRANSACTION, transactionOf } from './kafka/stream-transaction';
import { consoleLogger, type Logger } from './log';
import { Callable } from './utils/callable';
import { Signal } from './utils/signal';

export { TopicError, type TopicOperation } from './kafka/admin';
export { ChangelogTopicError, type CacheRestoreProgress, type RestoreProgress } from './changelog';
export { runForRecord, type RecordPartition } from './core/record-scope';
export { ISOLATIONS, type Isolation, type TopicConf } from './kafka/config';
export { KafkaConnection } from './kafka/connection';
export type { ConsumerState, ConsumerStateListener, RecordFailureListener, Subscription, TopicPartition } from './kafka/feed';
export type { FailurePolicy, RecordPosition } from './kafka/ledger';
export { DecodeError, type Headers } from './kafka/record';
export type { Retrying } from './kafka/batcher';
export type { Produced } from './kafka/produced';
export { CodecUnavailableError, COMPRESSIONS, type Compression } from './kafka/compression';
export { DeliveryTimeoutError, retryReason } from './kafka/delivery';
export {
  ProducerFencedError,
  TransactionalSender,
  TransactionStateError,
  type TransactionalProduceRequest,
  type TransactionOffsets,
  type TransactionOperation,
  type TransactionState,
} from './kafka/transaction';

export const READ_FROM_START = -2;
export const READ_FROM_END = -1;

/** An offset for every partition, or one per partition. */
export type Offset = number | Record<number, number>;

export interface TopicOptions {
  /** Seek here once the consumer has its partitions. */
  offset?: Offset;
  codec?: ICodec;
  /** Log what would be produced instead of producing it. */
  dry?: boolean;
  /**
   * Records handed out and not finished, at most. Default 1 for a loop over
   * the topic; under `stream()` (which finishes records itself) 250.
   */
  maxInFlight?: number;
  /**
   * `auto` (default): asking for the next record finishes the previous one,
   * as a handler loop does. `manual`: only `finish(record)` does, for
   * consumers that process several records at once (a Node-RED flow).
   * `stream()` switches its topics to `manual` and finishes them itself.
   */
  finishMode?: 'auto' | 'manual';
  /**
   * A record whose work failed (`finish(record, after)` with `after`
   * rejected): `stop` (default) fails the stream; `hold` keeps handling but
   * commits nothing of its partition from that record on; `skip` commits
   * past it. See `FailurePolicy`.
   */
  onFailure?: FailurePolicy;
  /** Told about every failed record, after `onFailure` was applied. */
  onRecordFailure?: RecordFailureListener;
  /** Told about every record the codec rejected and that was skipped (conf `onDecodeError: 'skip'`). */
  onSkippedRecord?: (error: DecodeError) => void;
  /** Share a client (and its producer) with other topics; closed by its owner, not by `exitHook`. */
  connection?: KafkaConnection;
  logger?: Logger;
  /** Told when the consumer connects, joins, pauses, fails or disconnects. */
  onConsumerState?: ConsumerStateListener;
  /**
   * Told when produce requests start failing and are retried (the broker is
   * unreachable), on each further failed attempt, and with `undefined` once
   * that is over (one was acknowledged, or the retried records gave up).
   */
  onProduceRetry?: (retrying: Retrying | undefined) => void;
  /**
   * Records a `handle` sink queues without waiting for their acknowledgement
   * before the handler waits for room (default 4,000: two produce requests).
   * Each holds its encoded record and its source record's place in the
   * commit ledger until acknowledged, so more costs memory, not speed: one
   * request is on the wire at a time, and the next is full already.
   */
  maxQueued?: number;
  /**
   * Told how restoring changelog caches kept for this topic goes: when a
   * partition's restore starts, after each batch of changelog records, and
   * when it is done (records of the partition are handed out only then).
   */
  onRestore?: (progress: CacheRestoreProgress) => void;
}

/** One record to produce; `partition` overrides the key's partition. */
export interface OutgoingRecord {
  key?: Key;
  value: unknown;
  headers?: Headers;
  partition?: number;
}

/** A consumed record: key as a string, value decoded by the codec (or a string without one). */
export interface TopicRecord<V = unknown> {
  topic: string;
  partition: number;
  offset: number;
  key: string | null;
  value: V;
  headers: Headers;
  timestamp: number;
}

type Key = string | Buffer | number | null | undefined;
/** Where a record produced now goes: an exactly-once consumer's transaction, or the topic's own batches. */
interface ProduceTarget {
  batcher: ProduceBatcher;
  transactional: boolean;
}

const EXIT_TIMEOUT_MS = 10_000;
/**
 * Records in flight under `stream()`, which handles a topic's partitions
 * concurrently. Enough for the lanes to always have work; more only makes
 * records wait longer, long enough to outlive young-generation garbage
 * collections (1,000 measured 3 % slower).
 */
const STREAM_MAX_IN_FLIGHT = 250;
/** Records in one produce request, at most. */
const MAX_BATCH = 2_000;
/** Records queued by `handle` sinks before they wait, by default. */
const DEFAULT_MAX_QUEUED = 2 * MAX_BATCH;

function rethrowAs(prefix: string, err: unknown): never {
  const cause = err instanceof Error ? err.message : String(err);
  throw new Error(`${prefix}: ${cause}`, { cause: err });
}

/**
 * A Kafka topic: an async-iterable source of its records and a callable keyed
 * sink, `await topic(key, value, headers?)`.
 *
 * Delivery is at-least-once: a record's offset is committed only once the
 * record was finished — by asking for the next record (`finishMode: 'auto'`,
 * a plain loop), by `finish(record, after?)` (`'manual'`), or by `stream()`
 * once the handler is done and its sinks' acknowledgements (`after`) came.
 */
export class Topic<V = unknown> extends Callable<[Key, unknown, Headers?], Promise<Produced | undefined>> {
  declare readonly [KEYED_SINK]: true;
  /** The topic's name; for several topics, their names joined by commas, or the pattern. */
  override readonly name: string;
  /** What the consumer reads. */
  readonly subscription: Subscription;
  /** One named topic: only then can it be produced to (checked per message). */
  private readonly singleTopic: boolean;
  readonly conf: TopicConf;
  readonly codec: ICodec | undefined;
  /** The codec's text form of a value, when it has one (the produce request then holds no Buffer per record). */
  private readonly encodeText: ((value: unknown) => string) | undefined;
  readonly dry: boolean;
  private readonly resolved: ResolvedConf;
  private readonly logger: Logger;
  private readonly startOffset: Offset | undefined;
  private maxInFlight: number;
  private readonly configuredMaxInFlight: number | undefined;
  private autoFinish: boolean;
  private readonly configuredAutoFinish: boolean;
  private readonly onFailure: FailurePolicy;
  private readonly onRecordFailure: RecordFailureListener | undefined;
  private readonly onSkippedRecord: ((error: DecodeError) => void) | undefined;
  private readonly onConsumerState: ConsumerStateListener | undefined;
  private readonly onProduceRetry: TopicOptions['onProduceRetry'];
  private readonly maxQueued: number;
  private readonly onRestore: TopicOptions['onRestore'];
  /** Changelogs of the caches whose state is kept for this topic's partitions. */
  private readonly changelogs = new Set<TopicChangelog>();
  /** Exactly-once: the consumer's transaction (one per started consumer). */
  private transaction: StreamTransaction | undefined;
  private readonly sharedConnection: KafkaConnection | undefined;
  private ownConnection: KafkaConnection | undefined;
  private consumer: FeedConsumer | undefined;
  /** The consumer being started, then started; one per topic at a time. */
  private feedStart: Promise<ConsumerFeed> | undefined;
  private feed: ConsumerFeed | undefined;
  /** `pause()` called (possibly before the consumer started). */
  private pausedByCaller = false;
  private generator: AsyncGenerator<TopicRecord<V> | Signal, void, Signal | undefined> | undefined;
  /** Batches what is produced; created on the first send. */
  private batcher: ProduceBatcher | undefined;
  /** The first failure of a record produced for `stream()` without waiting: later ones fail with it. */
  private deferredFailure: Error | undefined;
  /** The window of records queued last without waiting (`enqueue`, `[DEFERRED_SINK]`), and the acknowledgement handed out for it. */
  private lingering: { window: Promise<void>; acked: Promise<void> } | undefined;
  /** What `handle` registers with `Conf` for this topic (one function per topic). */
  readonly [EXIT_HOOK] = (): Promise<void> => this.close();

  /**
   * `name` is one topic, or for a consumer of several: a list of names, or a
   * pattern matched against the topics that exist when it starts. Only a
   * Topic of one topic can be produced to.
   */
  constructor(name: string | string[] | RegExp, conf: TopicConf = {}, options: TopicOptions = {}) {
    super();
    this.subscription = subscriptionOf(name);
    this.name = Array.isArray(this.subscription) ? this.subscription.join(',') : String(this.subscription);
    this.singleTopic = Array.isArray(this.subscription) && this.subscription.length === 1;
    this.conf = { ...(new Conf().conf as TopicConf), ...conf };
    this.logger = options.logger ?? consoleLogger;
    const unknown = unknownKeys(this.conf);
    if (unknown.length > 0) this.logger.warn(`Topic ${name}: unknown configuration keys ignored: ${unknown.join(', ')}`);
    if (this.conf.groupInstanceId ?? this.conf.group_instance_id) {
      this.logger.warn(`Topic ${name}: group_instance_id (static membership) is not supported by kafkajs and is ignored`);
    }
    this.sharedConnection = options.connection;
    const brokers = this.sharedConnection?.conf.kafka.brokers as string[] | undefined;
    this.resolved = resolveTopicConf(brokers ? { brokers, ...this.conf } : this.conf);
    this.codec = options.codec;
    this.encodeText = this.codec && textEncoderOf(this.codec);
    this.dry = options.dry ?? false;
    this.startOffset = options.offset;
    if (typeof this.startOffset === 'number') checkOffset(this.startOffset);
    this.configuredMaxInFlight = options.maxInFlight;
    this.maxInFlight = options.maxInFlight ?? 1;
    this.configuredAutoFinish = this.autoFinish = (options.finishMode ?? 'auto') === 'auto';
    this.onFailure = options.onFailure ?? 'stop';
    this.onRecordFailure = options.onRecordFailure;
    this.onSkippedRecord = options.onSkippedRecord;
    this.onConsumerState = options.onConsumerState;
    this.onProduceRetry = options.onProduceRetry;
    this.maxQueued = options.maxQueued ?? DEFAULT_MAX_QUEUED;
    if (!(Number.isInteger(this.maxQueued) && this.maxQueued >= 1)) {
      throw new RangeError(`Topic ${this.name}: maxQueued must be an integer >= 1, got: ${String(options.maxQueued)}`);
    }
    this.onRestore = options.onRestore;
    if (this.exactlyOnce) {
      if (!this.resolved.consumer) throw new TypeError(`Topic ${this.name}: processingGuarantee 'exactly-once' needs a groupId (offsets are committed in its transactions)`);
      if (this.onFailure === 'hold') {
        throw new TypeError(
          `Topic ${this.name}: processingGuarantee 'exactly-once' cannot hold a partition's commits at a failed record ` +
            "(a transaction commits the work of every record of its interval): use onFailure 'stop' or 'skip'",
        );
      }
    }
  }

  private get exactlyOnce(): boolean {
    return this.resolved.processingGuarantee === 'exactly-once';
  }

  protected invoke(key: Key, value: unknown, headers?: Headers): Promise<Produced | undefined> {
    return this.send(key, value, headers);
  }

  /**
   * Produce one record; resolves when the broker acknowledged it (per
   * `acks`), with its partition and offset (undefined when `dry`).
   */
  send(key: Key, value: unknown, headers?: Headers): Promise<Produced | undefined> {
    return this.produce({ key, value, headers });
  }

  /** `send` with every option: an explicit partition too. Records sent meanwhile share a produce request. */
  async produce({ key, value, headers, partition }: OutgoingRecord): Promise<Produced | undefined> {
    const message = this.message(key, value, headers, partition);
    if (!message) return undefined;
    try {
      const target = await this.target();
      if (!target) return undefined;
      return await target.batcher.add(message);
    } catch (err) {
      rethrowAs(`Error while producing to Topic ${this.name}`, err);
    }
  }

  /**
   * As a `handle` sink: queue the record and return without waiting for the
   * broker (waiting only while the queue is full), with the acknowledgement
   * to wait for: `stream()` hands it to the source's ledger, so the source
   * record is committed only once this one was acknowledged. A failure fails
   * this sink's later records too (the stream stops; nothing is lost).
   */
  [DEFERRED_SINK](key: Key, value: unknown): Accepted | Promise<Accepted> {
    if (this.deferredFailure) throw this.deferredFailure;
    return this.queue({ key, value });
  }

  /**
   * Queue a record without waiting for the broker (waiting only while the
   * produce queue is full): `acked` settles once the broker acknowledged it
   * and the records queued with it (they share one promise per produce
   * request), or rejects with the failure of a request it is in. For callers
   * that hand the acknowledgement on instead of waiting for it: a Node-RED
   * flow hands it to its topic-in's commit ledger. A failure concerns its
   * own records only.
   */
  enqueue(record: OutgoingRecord): Accepted | Promise<Accepted> {
    try {
      const accepted = this.queue(record);
      return isPromiseLike(accepted) ? accepted.catch((err: unknown) => rethrowAs(`Error while producing to Topic ${this.name}`, err)) : accepted;
    } catch (err) {
      rethrowAs(`Error while producing to Topic ${this.name}`, err);
    }
  }

  private queue({ key, value, headers, partition }: OutgoingRecord): Accepted | Promise<Accepted> {
    const message = this.message(key, value, headers, partition);
    if (!message) return { acked: Promise.resolve() };
    const target = this.target();
    return isPromiseLike(target) ? target.then((resolved) => this.accept(message, resolved)) : this.accept(message, target);
  }

  /** Queue a deferred sink's `message` on `target` once it has room (no promise is made while it has). */
  private accept(message: Message, target: ProduceTarget | undefined): Accepted | Promise<Accepted> {
    if (!target) return { acked: Promise.resolve() };
    const { batcher, transactional } = target;
    const full = batcher.room();
    if (full) return full.then(() => this.accept(message, target));
    const window = batcher.addLingering(message);
    // Records queued together share their acknowledgement, and so its reaction here.
    if (this.lingering?.window !== window) this.lingering = { window, acked: this.acknowledged(window, transactional) };
    return { acked: this.lingering.acked };
  }

  /** The acknowledgement `[DEFERRED_SINK]` hands out for a window of records, failing with this topic's name. */
  private acknowledged(window: Promise<void>, transactional: boolean): Promise<void> {
    const acked = window.then(undefined, (err: unknown) => {
      const cause = err instanceof Error ? err.message : String(err);
      const error = new Error(`Error while producing to Topic ${this.name}: ${cause}`, { cause: err });
      // `stream()` stops on it: later records of the deferred sink fail with it. In a transaction a failure is
      // the record's alone (its consumer fails, or it was aborted with its partition's move).
      if (!transactional) this.deferredFailure ??= error;
      throw error;
    });
    acked.catch(() => undefined); // handled: whoever holds `acked` sees the failure, and so does the next call
    return acked;
  }

  /** Encode a record to send, or log it and return undefined when dry. */
  private message(key: Key, value: unknown, headers?: Headers, partition?: number): Message | undefined {
    this.checkSingleTopic('produce to');
    const message = { key: this.encodeKey(key), value: this.encodeValue(value), headers: headers as never, partition };
    if (!this.dry) return message;
    this.logger.info(`Topic ${this.name} (dry): ${inspect(key)} → ${inspect(value, { depth: 4 })}`);
    return undefined;
  }

  /**
   * Where a record produced now goes: into the transaction of the
   * exactly-once consumer whose record is being handled (undefined: that
   * record's partition moved away, its new owner produces it), else this
   * topic's own batches.
   */
  private target(): ProduceTarget | undefined | Promise<ProduceTarget | undefined> {
    const record = currentRecord();
    const transaction = transactionOf(record);
    if (!transaction || !record) return { batcher: this.producing(), transactional: false };
    if (!transaction.accepts(record)) return undefined;
    return this.connection()
      .ensureTopic(this.name, this.resolved.numPartitions)
      .then(() => ({ batcher: transaction.batcher(this.name), transactional: true }));
  }

  private producing(): ProduceBatcher {
    this.batcher ??= new ProduceBatcher(
      async (messages) => {
        await this.connection().ensureTopic(this.name, this.resolved.numPartitions);
        return this.connection().sender().send({ topic: this.name, acks: this.resolved.acks, compression: compressionOf(this.resolved), messages });
      },
      {
        maxBatch: MAX_BATCH,
        maxQueued: this.maxQueued,
        lingerMs: this.resolved.linger,
        deliveryTimeoutMs: this.resolved.deliveryTimeout,
        isTransient,
        onRetry: this.onProduceRetry,
      },
    );
    return this.batcher;
  }

  /** The next record (or `Signal.SENTINEL` while paused by `signal`). */
  next(signal?: Signal): Promise<IteratorResult<TopicRecord<V> | Signal, void>> {
    return this[Symbol.asyncIterator]().next(signal);
  }

  /**
   * The topic's record stream. There is one per topic at a time (one
   * consumer): iterating again continues it; to feed several handlers, bind
   * them with `handle`, which gives each a synchronized copy.
   */
  [Symbol.asyncIterator](): AsyncGenerator<TopicRecord<V> | Signal, void, Signal | undefined> {
    if (!this.generator) {
      const generator = this.records(() => {
        if (this.generator === generator) this.generator = undefined;
      });
      this.generator = generator;
    }
    return this.generator;
  }

  /**
   * Move the consumer's position: `READ_FROM_START`, `READ_FROM_END`, an
   * offset for every assigned partition, or `{ [partition]: offset }`.
   * An offset outside a partition's records (past its end, or before its
   * first record left after retention) follows Kafka's `auto.offset.reset`,
   * with a warning: `fromBeginning` / `auto_offset_reset: 'earliest'` seeks to
   * the partition's first record (low watermark), otherwise to its end (high
   * watermark).
   */
  async seek(offset: Offset, timeoutMs = 30_000): Promise<void> {
    const perPartition = typeof offset === 'number' ? undefined : offset;
    if (typeof offset === 'number') checkOffset(offset);
    else for (const value of Object.values(offset)) checkOffset(value);
    if (perPartition) this.checkSingleTopic('seek per partition in');
    const feed = this.feed ?? (await this.feedStart);
    if (!feed) throw new Error('No consumer provided');
    const assigned = await feed.waitForAssignment(timeoutMs);
    const targets = perPartition
      ? Object.entries(perPartition).map(([p, o]) => ({ topic: this.name, partition: Number(p), target: o }))
      : assigned.map(({ topic, partition }) => ({ topic, partition, target: offset as number }));
    const bounds = new Map<string, Map<number, { low: number; high: number }>>();
    for (const topic of new Set(targets.map((t) => t.topic))) bounds.set(topic, await this.partitionBounds(topic));
    for (const { topic, partition, target } of targets) {
      const bound = bounds.get(topic)?.get(partition);
      if (!bound) throw new RangeError(`Topic ${topic} has no partition ${partition}`);
      feed.seek(topic, partition, this.position(topic, partition, target, bound));
    }
  }

  /** Where seeking `partition` to `target` goes, given its watermarks. */
  private position(topic: string, partition: number, target: number, { low, high }: { low: number; high: number }): number {
    if (target === READ_FROM_START) return low;
    if (target === READ_FROM_END) return high;
    if (target >= low && target <= high) return target;
    const [reset, watermark, offset] = this.resolved.fromBeginning ? ['earliest', 'low', low] : ['latest', 'high', high];
    this.logger.warn(
      `Topic ${topic} partition ${partition}: offset ${target} is out of range (${low} to ${high}); ` +
        `seeking to the ${watermark} watermark ${offset} instead (auto_offset_reset: ${reset})`,
    );
    return offset;
  }

  /** Pause consumption (the group membership stays alive). */
  pause(): void {
    this.pausedByCaller = true;
    this.feed?.pause();
  }

  resume(): void {
    this.pausedByCaller = false;
    this.feed?.resume();
  }

  /**
   * Work on a record ended (with `finishMode: 'manual'`): once `after` (if
   * given) resolves, its offset may be committed. A rejected `after` applies
   * `onFailure`. This is the commit ledger's only door.
   */
  finish(record: RecordPosition, after?: PromiseLike<unknown>): void {
    if (this.feed) this.feed.finish(record, after);
    else after?.then(undefined, () => undefined); // the consumer is gone: the record comes again anyway
  }

  /**
   * For `stream()` and topic-in (records finished explicitly): the next
   * record when one is ready now, decoded, else `NOTHING_NOW` (pull with
   * `next()`). Throws as `next()` would reject on a record that cannot be
   * decoded (`onDecodeError: 'stop'`), and, as then, the record stream ends:
   * its consumer stops, and nothing after that record is handed out.
   */
  [TAKE_NOW](): TopicRecord<V> | typeof NOTHING_NOW {
    const { feed, generator } = this;
    if (!feed || !generator || this.autoFinish) return NOTHING_NOW;
    for (;;) {
      const raw = feed.take();
      if (!raw) return NOTHING_NOW;
      let record: TopicRecord<V> | undefined;
      try {
        record = this.decode(raw);
      } catch (err) {
        generator.return(undefined).catch(() => undefined); // its `finally` stops the consumer (and reports a failure to stop)
        throw err;
      }
      if (record) return record;
      feed.finish(raw); // skipped: done
    }
  }

  /** Where partitions' commits stop at a failed record (`onFailure: 'hold'`). */
  held(): Array<RecordPosition & { error: Error }> {
    return this.feed?.held() ?? [];
  }

  /** For `stream()`: records are finished explicitly, and partitions handled concurrently. */
  [LEDGER_SOURCE](): Ledger<TopicRecord<V>> {
    this.autoFinish = false;
    this.maxInFlight = this.configuredMaxInFlight ?? STREAM_MAX_IN_FLIGHT;
    this.feed?.setMaxInFlight(this.maxInFlight); // started early (getConsumer())
    return {
      laneOf: (record) => this.feed?.laneOf(record.topic, record.partition) ?? record.partition,
      isCurrent: (record) => this.isCurrent(record),
      finish: (record, after) => this.finish(record, after),
      // Changelog caches written while handling a record log to its partition; exactly-once outputs join its transaction.
      scope: (record, handling) => runForRecord(record, handling),
    };
  }

  /**
   * For a cache made with `{ changelog: { source: this } }`: its changelog,
   * restored for each partition assigned to this topic's consumer before the
   * partition's first record is handed out.
   */
  [CHANGELOG_SOURCE](state: LoggedState, options: { topic?: string }): ChangelogPort {
    this.checkSingleTopic('keep changelog state for');
    const groupId = this.resolved.consumer?.groupId;
    if (!groupId) {
      throw new TypeError(`Topic ${this.name} has no groupId: a changelog cache needs one (the instances of one group share the state)`);
    }
    const changelog = new TopicChangelog(state, options.topic, {
      source: this.name,
      groupId,
      connection: () => this.connection(),
      resolved: this.resolved,
      logger: this.logger,
      onRestore: this.onRestore,
      transaction: this.exactlyOnce ? () => this.transaction : undefined,
      // A record named by hand ({ topic, partition }) carries no epoch: it counts as current.
      isCurrent: (record) => epochOf(record) === undefined || this.isCurrent(record),
      detached: (detached) => this.changelogs.delete(detached),
    });
    this.changelogs.add(changelog);
    if (this.feed) changelog.assigned(this.feed.assignment.map(({ partition }) => partition)); // attached while consuming
    return changelog;
  }

  /** Whether `record` was handed out by the running consumer and its partition did not move since (a seek, a rebalance). */
  private isCurrent(record: RecordPartition): boolean {
    return this.feed !== undefined && epochOf(record) === this.feed.epochOf(record.topic, record.partition);
  }

  /**
   * What must settle before records of `partition` are handed out: every
   * changelog's restore of it. Exactly-once: it resolves with the group's
   * committed offset read after the restore — a restore reads committed
   * changelog records only, so it waited for any transaction of the
   * partition's previous owner, which may have moved that offset.
   */
  private restored(partition: number): Promise<number | void> | undefined {
    if (this.changelogs.size === 0) return undefined;
    const restores = [...this.changelogs].map((changelog) => changelog.restored(partition)).filter((r) => r !== undefined);
    if (restores.length === 0) return undefined;
    const all = Promise.all(restores);
    if (!this.exactlyOnce) return all.then(() => undefined);
    return all.then(() => this.committedOffset(partition));
  }

  private async committedOffset(partition: number): Promise<number | undefined> {
    const groupId = this.resolved.consumer?.groupId as string;
    const [offsets] = await (await this.admin()).fetchOffsets({ groupId, topics: [this.name] });
    const offset = Number(offsets?.partitions.find((p) => p.partition === partition)?.offset ?? -1);
    return offset >= 0 ? offset : undefined;
  }

  /** Exactly-once: the consumer's transaction, on a transactional producer of this topic's connection. */
  private startTransaction(groupId: string): StreamTransaction {
    const transactionalId = this.resolved.transactionalId ?? `${groupId}-${this.name}-${randomUUID()}`;
    this.transaction = new StreamTransaction(this.connection().transactionalSender(transactionalId), {
      groupId,
      isCurrent: (record) => this.isCurrent(record),
      compression: compressionOf(this.resolved),
      deliveryTimeout: this.resolved.deliveryTimeout,
      maxBatch: MAX_BATCH,
      lingerMs: this.resolved.linger,
    });
    return this.transaction;
  }

  /** Paused or resumed through `PausableStream` (a Checkpoint): at once, even while a pull waits. */
  [ON_SIGNAL](signal: 'pause' | 'resume'): void {
    if (signal === 'pause') this.pause();
    else this.resume();
  }

  admin(): Promise<Admin> {
    return this.connection().admin();
  }

  async getProducer(): Promise<Producer> {
    this.checkSingleTopic('produce to');
    await this.connection().ensureTopic(this.name, this.resolved.numPartitions);
    return this.connection().getProducer();
  }

  /** The started consumer (starting it if needed). */
  async getConsumer(): Promise<FeedConsumer> {
    await this.startFeed();
    return this.consumer as FeedConsumer;
  }

  /**
   * The exit hook: `close()`. `handle` registers it with `Conf` for its
   * sources and sinks, so `stream()` runs it when it ends.
   */
  exitHook(): Promise<void> {
    return this.close();
  }

  /**
   * Stop the consumer, and the producer unless the connection is shared;
   * waits at most 10 s, never throws. For code that never runs `stream()`
   * (a Node-RED node). The topic may be used again afterwards: it reconnects.
   */
  async close(): Promise<void> {
    const { feedStart, generator, batcher } = this;
    this.feedStart = this.feed = this.consumer = this.generator = this.batcher = this.transaction = undefined;
    const changelogs = [...this.changelogs];
    // A new stream (or loop) may use this topic again, as it was configured.
    this.deferredFailure = undefined;
    this.lingering = undefined;
    this.autoFinish = this.configuredAutoFinish;
    this.maxInFlight = this.configuredMaxInFlight ?? 1;
    this.pausedByCaller = false;
    const consuming = (async () => {
      const feed = await feedStart?.catch(() => undefined);
      await feed?.stop(); // a pull waiting for a record now ends (exactly-once: its last transaction committed, or aborted)
      await generator?.return();
    })();
    const closing = Promise.allSettled([
      consuming,
      (async () => {
        // Changelog caches log what they buffered before the connection closes (a later flush would open it again).
        if (changelogs.length > 0) await consuming;
        await Promise.allSettled(changelogs.map((changelog) => changelog.stop()));
        await batcher?.flush(); // what was queued is sent (and acknowledged, so consumers may commit it) first
        // Dropped only now: a send of the flush must not open a new connection that nobody closes.
        const own = this.ownConnection;
        this.ownConnection = undefined;
        await own?.close();
      })(),
    ]);
    if (await within(closing, EXIT_TIMEOUT_MS / 2)) return;
    // Records still not acknowledged (the broker is unreachable): stop retrying, they fail.
    batcher?.abort(new Error(`Topic ${this.name} was closed before the broker acknowledged the record`));
    await within(closing, EXIT_TIMEOUT_MS / 2);
  }

  private connection(): KafkaConnection {
    if (this.sharedConnection) return this.sharedConnection;
    this.ownConnection ??= new KafkaConnection(this.resolved, this.logger);
    return this.ownConnection;
  }

  private startFeed(): Promise<ConsumerFeed> {
    if (!this.feedStart) {
      const starting = this.openFeed();
      this.feedStart = starting;
      starting.catch(() => {
        if (this.feedStart === starting) this.feedStart = undefined;
      });
    }
    return this.feedStart;
  }

  private async openFeed(): Promise<ConsumerFeed> {
    const consumerConf = this.resolved.consumer ?? { groupId: `slipstream-${this.name}-${randomUUID()}`, readUncommitted: this.resolved.readUncommitted };
    let transaction: StreamTransaction | undefined;
    try {
      // Named topics are created when missing; a pattern reads the topics that exist.
      if (Array.isArray(this.subscription)) {
        for (const topic of this.subscription) await this.connection().ensureTopic(topic, this.resolved.numPartitions);
      }
      this.consumer = this.connection().feedConsumer(consumerConf);
      const opened = this.exactlyOnce ? this.startTransaction(consumerConf.groupId) : undefined;
      transaction = opened;
      const feed = new ConsumerFeed(this.consumer, this.subscription, {
        fromBeginning: this.resolved.fromBeginning,
        maxInFlight: this.maxInFlight,
        commitInterval: this.resolved.autoCommitInterval,
        heartbeatInterval: consumerConf.heartbeatInterval ?? 3_000,
        onFailure: this.onFailure,
        logger: this.logger,
        onState: this.onConsumerState,
        onRecordFailure: this.onRecordFailure,
        onAssigned: (assignment) => {
          for (const changelog of this.changelogs) changelog.assigned(assignment.map(({ partition }) => partition));
        },
        restored: (_topic, partition) => this.restored(partition),
        exactlyOnce: opened && {
          commit: async (offsets) => {
            await opened.commit(offsets);
            for (const changelog of this.changelogs) await changelog.committed();
          },
          abort: async (reason) => {
            for (const changelog of this.changelogs) changelog.aborted();
            await opened.abort(reason);
          },
          end: async () => {
            for (const changelog of this.changelogs) changelog.aborted();
            await opened.close(); // aborts a transaction still open
          },
        },
      });
      await feed.start();
      this.feed = feed;
      if (this.pausedByCaller) feed.pause();
      if (this.startOffset !== undefined) await this.seek(this.startOffset);
      return feed;
    } catch (err) {
      await transaction?.close(); // no feed ends it
      rethrowAs(`Error while consuming from Topic ${this.name}`, err);
    }
  }

  /** `forget` drops this generator from the topic when the consumer cannot start. */
  private async *records(forget: () => void): AsyncGenerator<TopicRecord<V> | Signal, void, Signal | undefined> {
    let feed: ConsumerFeed;
    try {
      feed = await this.startFeed();
    } catch (err) {
      // This generator is finished now: the next iteration must start a new one,
      // which tries to connect again, instead of getting `done` at once.
      forget();
      throw err;
    }
    let previous: RawRecord | undefined;
    let signal: Signal | undefined;
    try {
      for (;;) {
        // Asking for the next record means the handler is done with the previous one.
        if (previous && this.autoFinish) feed.finish(previous);
        previous = undefined;
        if (signal === Signal.PAUSE) {
          feed.pause();
          signal = yield Signal.SENTINEL;
          continue;
        }
        if (signal === Signal.RESUME) feed.resume();
        let raw = feed.take();
        if (!raw) {
          try {
            raw = await feed.next();
          } catch (err) {
            rethrowAs(`Error while consuming from Topic ${this.name}`, err);
          }
          if (!raw) return;
        }
        const record = this.decode(raw);
        if (record) {
          previous = raw;
          signal = yield record;
        } else {
          feed.finish(raw); // skipped: done, in either finish mode
        }
      }
    } finally {
      // Ended by itself (stopped, failed, or the loop broke): release the consumer.
      if (this.feed === feed) {
        this.feedStart = this.feed = this.consumer = this.generator = undefined;
        await feed.stop().catch((err: Error) => this.logger.warn(`Topic ${this.name}: consumer did not stop cleanly: ${err.message}`));
      }
    }
  }

  /**
   * Decode a record. A payload the codec rejects stops the stream
   * (`onDecodeError: 'stop'`) or is skipped: reported to `onSkippedRecord`
   * (or logged) and undefined returned.
   */
  private decode(raw: RawRecord): TopicRecord<V> | undefined {
    try {
      const value = raw.value === null ? null : this.codec ? this.codec.decode(raw.value) : raw.value.toString('utf8');
      const { topic, partition, offset, headers, timestamp } = raw;
      const record: TopicRecord<V> = { topic, partition, offset, key: raw.key === null ? null : raw.key.toString('utf8'), value: value as V, headers, timestamp };
      Object.defineProperty(record, EPOCH, { value: raw.epoch }); // for finish() and stream(): records of a moved partition are stale
      if (this.transaction) Object.defineProperty(record, TRANSACTION, { value: this.transaction }); // outputs produced for it join it
      return record;
    } catch (err) {
      const error = new DecodeError(raw, err);
      if (this.resolved.onDecodeError === 'stop') throw error;
      if (this.onSkippedRecord) this.onSkippedRecord(error);
      else this.logger.error(`${error.message} (skipped)`);
      return undefined;
    }
  }

  private encodeKey(key: Key): Buffer | string | null {
    if (key === null || key === undefined) return null;
    if (typeof key === 'string' || Buffer.isBuffer(key)) return key;
    if (typeof key === 'number') return String(key);
    throw new TypeError(`Topic ${this.name}: a key must be a string, number, Buffer or null, got: ${inspect(key)}`);
  }

  private encodeValue(value: unknown): Buffer | string | null {
    if (value === null || value === undefined) return null; // a tombstone
    if (this.encodeText) return this.encodeText(value);
    if (this.codec) return this.codec.encode(value);
    if (typeof value === 'string' || Buffer.isBuffer(value)) return value;
    throw new TypeError(
      `Topic ${this.name} has no codec, so it can only send strings and Buffers, got: ${inspect(value)}; ` +
        'pass { codec: new JsonCodec() } to send objects',
    );
  }

  private async partitionBounds(topic: string): Promise<Map<number, { low: number; high: number }>> {
    const offsets = await (await this.admin()).fetchTopicOffsets(topic);
    return new Map(offsets.map((o) => [o.partition, { low: Number(o.low), high: Number(o.high) }]));
  }

  private checkSingleTopic(operation: string): void {
    if (!this.singleTopic) {
      throw new TypeError(`Topic ${this.name} reads several topics: you cannot ${operation} it; use a Topic of one topic`);
    }
  }
}

/** One topic name, a non-empty list of them, or a pattern. */
function subscriptionOf(name: string | string[] | RegExp): Subscription {
  if (name instanceof RegExp) return name;
  const names = Array.isArray(name) ? name : [name];
  if (names.length === 0 || names.some((n) => typeof n !== 'string' || n.length === 0)) {
    throw new TypeError(`Topic name must be a non-empty string, a non-empty list of them or a RegExp, got: ${inspect(name)}`);
  }
  return [...new Set(names)];
}
Object.defineProperty(Topic.prototype, KEYED_SINK, { value: true });

/** Waits for `promise` at most `ms`; whether it settled in time. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(resolve, ms, false)));
  try {
    return await Promise.race([promise.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function checkOffset(offset: number): void {
  if (!Number.isInteger(offset) || offset < READ_FROM_START) {
    throw new RangeError(`Offset must be an integer >= ${READ_FROM_START} (READ_FROM_START), got: ${offset}`);
  }
}
