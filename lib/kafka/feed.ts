import type { EachBatchPayload } from 'kafkajs';
import { commitBarrier } from '../core/commit-barrier';
import type { Logger } from '../log';
import { CommitLedger, type FailurePolicy, type RecordPosition } from './ledger';
import { Notifier } from './notifier';
import type { FeedConsumer } from './consume-thread';
import { fetchedRecords } from './packed-records';
import { epochOf, type RawRecord } from './record';

/** What a consumer is doing, for status displays. */
export type ConsumerState = 'connecting' | 'connected' | 'paused' | 'error' | 'disconnected';
export type ConsumerStateListener = (state: ConsumerState, error?: Error) => void;
/** Told about a record whose work failed, after `policy` was applied. */
export type RecordFailureListener = (record: RecordPosition, error: Error, policy: FailurePolicy) => void;

/** How long `stop()` waits for finished records' acknowledgements so that they can be committed. */
const STOP_ACK_WAIT_MS = 5_000;
/** Heartbeats while waiting for room are sent at most this often (kafkajs rate-limits them too). */
const HEARTBEAT_EVERY_MS = 100;
/** Positions of partitions, never reused (not even by a later feed): see `epochOf`. */
let lastEpoch = 0;

/** A topic partition assigned to this consumer. */
export interface TopicPartition {
  topic: string;
  partition: number;
}

/** What a feed reads: topic names, or a pattern matched against the topics that exist when it starts. */
export type Subscription = string[] | RegExp;

export interface FeedOptions {
  fromBeginning: boolean;
  /** Records handed out and not yet finished, at most. */
  maxInFlight: number;
  /** How often (ms) the offsets of finished records are committed, after the commit barrier. */
  commitInterval: number;
  /** How often to wake up and heartbeat while waiting for room. */
  heartbeatInterval: number;
  onFailure: FailurePolicy;
  logger: Logger;
  onState?: ConsumerStateListener;
  onRecordFailure?: RecordFailureListener;
  /** Told of every assignment (a join), before any record of it is handed out. */
  onAssigned?: (assignment: TopicPartition[]) => void;
  /**
   * What must settle before records of a partition are handed out (its
   * state restored), or undefined; it may resolve with the partition's first
   * offset to hand out (records before it are skipped). A rejection fails
   * the feed.
   */
  restored?: (topic: string, partition: number) => Promise<number | void> | undefined;
  /** Exactly-once: offsets are committed in the stream's transaction (see `ExactlyOnce`). */
  exactlyOnce?: ExactlyOnce;
}

/** How an exactly-once feed commits (in a Kafka transaction) and gives up what it did since the last commit. */
export interface ExactlyOnce {
  /** Commit the open transaction with these consumed offsets, then write the state logged in it. */
  commit(offsets: RecordPosition[]): Promise<void>;
  /** Abort the open transaction and drop the state changed since the last commit. */
  abort(reason: Error): Promise<void>;
  /** The feed stopped (its last commit done, or it failed): drop what no commit holds and close the transaction. */
  end(): Promise<void>;
}

/**
 * Turns kafkajs's push (`eachBatch`) into pull (`next()`), at-least-once.
 *
 * Every record handed out enters the consumer's `CommitLedger`; `finish`
 * (with the promise of what must still happen for the record, e.g. the
 * acknowledgement of what its sinks produced) is the only way it leaves.
 * Fetching and committing are separate: kafkajs's fetch position moves on as
 * records are handed out (so the next batch is fetched while the handler
 * works), and every `commitInterval` the feed runs the commit barrier (write-
 * back state flushed) and then commits what the ledger says is committable.
 * At most `maxInFlight` records are handed out and not finished.
 */
export class ConsumerFeed {
  private readonly ledger: CommitLedger;
  /** Records fetched and not yet handed out; `readyHead` is the next one. */
  private ready: RawRecord[] = [];
  private readyHead = 0;
  private readonly changed = new Notifier();
  /** Wakes `next()`: records were handed out (or see `notifyAll`); not every finished record, as `changed` does. */
  private readonly handedOut = new Notifier();
  /** Wakes `eachBatch` waiting for room: only once a run of records may be handed out (not at every finish). */
  private readonly room = new Notifier();
  /** Per topic, per partition: see `epochOf`. */
  private readonly epochs = new Map<string, Map<number, number>>();
  /** A number per topic, for `laneOf`. */
  private readonly topicNumbers = new Map<string, number>();
  private lastHeartbeat = 0;
  private commitTimer: NodeJS.Timeout | undefined;
  private committing: Promise<void> | undefined;
  private stopping: Promise<void> | undefined;
  private assigned: TopicPartition[] = [];
  private paused = false;
  /** Exactly-once: nothing is handed out while a commit waits for what was handed out, or until a rebalance ends. */
  private holdingForCommit = false;
  private holdingForRebalance = false;
  /** Exactly-once: rebalances begun so far (a commit that saw one begin aborts instead). */
  private rebalances = 0;
  /** Exactly-once: a commit is past the point of no return (its offsets and transaction are on their way). */
  private committingTransaction = false;
  private stopped = false;
  private failure: Error | undefined;

  constructor(
    private readonly consumer: FeedConsumer,
    private readonly subscription: Subscription,
    private options: FeedOptions,
  ) {
    this.ledger = new CommitLedger({
      onFailure: options.onFailure,
      changed: () => this.ledgerChanged(),
      failed: (record, error, policy) => {
        if (policy === 'stop') this.fail(error);
        options.onRecordFailure?.(record, error, policy);
      },
    });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.holdingForRebalance = false;
      this.onAssignment(Object.entries(payload.memberAssignment).flatMap(([topic, partitions]) => partitions.map((partition) => ({ topic, partition }))));
      this.report(this.paused ? 'paused' : 'connected');
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.report('error', payload.error);
      if (!payload.restart) this.fail(payload.error);
      else this.report('connecting');
    });
    consumer.on(consumer.events.DISCONNECT, () => this.report('disconnected'));
    // Commit what finished before the partitions move: their new owner starts from there.
    // Exactly-once: a transaction cannot be split, so what was done since the last commit is aborted.
    consumer.on(consumer.events.REBALANCING, () => {
      this.rebalances++;
      void (options.exactlyOnce ? this.abortForRebalance() : this.commit());
    });
  }

  async start(): Promise<void> {
    this.report('connecting');
    await this.consumer.connect();
    const topics = Array.isArray(this.subscription) ? this.subscription : [this.subscription];
    await this.consumer.subscribe({ topics, fromBeginning: this.options.fromBeginning });
    await this.consumer.run({
      autoCommit: false, // the ledger commits (see `commit`)
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.eachBatch(payload),
    });
    this.scheduleCommit();
  }

  /**
   * The next record, or undefined once stopped. Rejects when the consumer
   * failed. While paused nothing is handed out, not even records fetched
   * before the pause.
   */
  async next(): Promise<RawRecord | undefined> {
    for (;;) {
      const record = this.take();
      if (record) return record;
      if (this.failure) throw this.failure;
      if (this.stopped) return undefined;
      await this.handedOut.wait();
    }
  }

  /** The next record when one may be handed out now, without waiting (the per-record path spares a promise). */
  take(): RawRecord | undefined {
    if (this.failure || this.stopped || this.paused || this.holdingForCommit || this.holdingForRebalance || this.readyHead >= this.ready.length) return undefined;
    return this.takeReady();
  }

  /**
   * Work on `record` ended; once `after` resolves its offset may be
   * committed. A rejected `after` applies the failure policy. A record
   * handed out before its partition moved (seek, rebalance) no longer counts.
   */
  finish(record: RecordPosition, after?: PromiseLike<unknown>): void {
    const epoch = epochOf(record);
    if (epoch !== undefined && epoch !== this.epochOf(record.topic, record.partition)) {
      after?.then(undefined, () => undefined); // stale: its outcome no longer matters
      return;
    }
    this.ledger.finish(record, after);
  }

  /** Records handed out and not finished, at most (`stream()` raises it for its lanes). */
  setMaxInFlight(maxInFlight: number): void {
    this.options = { ...this.options, maxInFlight };
    this.notifyAll();
  }

  /** Changes whenever the partition's position moves (a seek, a rebalance): records handed out before are stale. */
  epochOf(topic: string, partition: number): number {
    let epochs = this.epochs.get(topic);
    if (!epochs) this.epochs.set(topic, (epochs = new Map()));
    let epoch = epochs.get(partition);
    if (epoch === undefined) epochs.set(partition, (epoch = ++lastEpoch));
    return epoch;
  }

  /** A number per topic partition, for lanes (partitions of up to 2^20 topics). */
  laneOf(topic: string, partition: number): number {
    let n = this.topicNumbers.get(topic);
    if (n === undefined) this.topicNumbers.set(topic, (n = this.topicNumbers.size));
    return n * 1_048_576 + partition;
  }

  get isPaused(): boolean {
    return this.paused;
  }

  get assignment(): TopicPartition[] {
    return [...this.assigned];
  }

  /** Partitions whose commits stop at a failed record (policy `hold`). */
  held(): Array<RecordPosition & { error: Error }> {
    return this.ledger.held();
  }

  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.consumer.pause(this.pausable());
    this.notifyAll();
    this.report('paused');
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.consumer.resume(this.pausable());
    this.notifyAll();
    this.report('connected');
  }

  /**
   * Move a partition's position; records of it handed out earlier no longer
   * count, and the new position is committed next (a restart goes on from it).
   */
  seek(topic: string, partition: number, offset: number): void {
    this.consumer.seek({ topic, partition, offset: String(offset) });
    this.forget(topic, partition, offset);
  }

  /** Wait until partitions are assigned to this member (or time out). */
  async waitForAssignment(timeoutMs: number): Promise<TopicPartition[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.assigned.length === 0) {
      if (this.failure) throw this.failure;
      if (Date.now() >= deadline) throw new Error(`no partition of ${String(this.subscription)} was assigned within ${timeoutMs} ms`);
      await this.changed.wait(Math.min(100, deadline - Date.now()));
    }
    return this.assignment;
  }

  /** Commit what finished (waiting a little for pending acknowledgements), then disconnect. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const deadline = Date.now() + STOP_ACK_WAIT_MS;
      while (!this.ledger.settled && !this.failure && Date.now() < deadline) await this.changed.wait(50);
      clearTimeout(this.commitTimer);
      await this.committing; // may have taken its offsets before the last records finished
      if (!this.failure) await this.commit();
      await this.options.exactlyOnce?.end().catch((err: Error) => this.options.logger.warn(`Topic ${String(this.subscription)}: ${err.message}`));
      this.stopped = true;
      this.notifyAll();
      await this.consumer.disconnect();
    })();
    return this.stopping;
  }

  /** Run the commit barrier, then commit every partition's committable offset; never throws. */
  commit(): Promise<void> {
    this.committing ??= (async () => {
      if (this.options.exactlyOnce) {
        await this.commitTransaction(this.options.exactlyOnce);
        return;
      }
      const taken = this.ledger.committable();
      if (taken.length === 0) return;
      const epochs = taken.map(({ topic, partition }) => this.epochOf(topic, partition));
      try {
        await commitBarrier();
      } catch (err) {
        // The state of these records cannot be made durable: committing them would lose it.
        this.fail(err instanceof Error ? err : new Error(String(err)));
        return;
      }
      // A partition that moved meanwhile (seek, rebalance) has a new position: not these.
      const offsets = taken.filter(({ topic, partition }, i) => this.epochOf(topic, partition) === epochs[i]);
      if (offsets.length === 0) return;
      try {
        await this.consumer.commitOffsets(offsets.map(({ topic, partition, offset }) => ({ topic, partition, offset: String(offset) })));
        this.ledger.committed(offsets);
      } catch (err) {
        // E.g. a rebalance in progress: the offsets are committed next time (or handled again by the new owner).
        this.options.logger.info(`Topic ${String(this.subscription)}: commit failed, retried later: ${err instanceof Error ? err.message : String(err)}`);
      }
    })().finally(() => (this.committing = undefined));
    return this.committing;
  }

  /**
   * Exactly-once: hand out nothing until every record handed out is done (so
   * that the transaction holds exactly the work of the offsets it commits),
   * flush the state (its changelog writes join the transaction), then commit
   * the transaction with the offsets. A failed commit fails the feed: the
   * next start goes on from the last committed transaction.
   */
  private async commitTransaction(exactlyOnce: ExactlyOnce): Promise<void> {
    const rebalances = this.rebalances;
    this.holdingForCommit = true;
    try {
      while (!this.failure && !this.stopped && !(this.ledger.openCount === this.ready.length - this.readyHead && this.ledger.settled)) {
        if (this.stopping) {
          // Stopping (after waiting for them) with records still being handled: their work cannot be committed alone.
          await exactlyOnce.abort(new Error('the consumer stopped while records were still being handled: their transaction was aborted'));
          return;
        }
        await this.changed.wait(20);
      }
      if (this.failure || this.stopped) return;
      const taken = this.ledger.committable();
      await commitBarrier();
      // A rebalance began meanwhile: it aborts what this commit would hold (see abortForRebalance).
      if (this.rebalances !== rebalances) return;
      this.committingTransaction = true;
      await exactlyOnce.commit(taken);
      this.ledger.committed(taken);
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
    } finally {
      this.committingTransaction = false;
      this.holdingForCommit = false;
      this.notifyAll();
    }
  }

  /**
   * Exactly-once, when the group rebalances: records handed out no longer
   * count (their writes and outputs are dropped), the open transaction is
   * aborted and nothing is handed out until the new assignment; every
   * partition then goes on from its last committed offset.
   */
  private async abortForRebalance(): Promise<void> {
    this.holdingForRebalance = true;
    // A transaction being committed holds exactly its offsets' work: it decides (committed, or failed).
    if (this.committingTransaction) return;
    for (const { topic, partition } of this.assigned) this.forget(topic, partition);
    try {
      await this.options.exactlyOnce?.abort(new Error('the consumer group is rebalancing: the open transaction was aborted'));
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
    }
  }

  private scheduleCommit(): void {
    if (this.stopped || this.stopping) return;
    this.commitTimer = setTimeout(() => void this.commit().then(() => this.scheduleCommit()), this.options.commitInterval);
    this.commitTimer.unref?.();
  }

  private takeReady(): RawRecord {
    const record = this.ready[this.readyHead];
    this.ready[this.readyHead++] = undefined as unknown as RawRecord; // not kept by the queue
    if (this.readyHead === this.ready.length) {
      this.ready = [];
      this.readyHead = 0;
    } else if (this.readyHead >= 1_024) {
      this.ready.splice(0, this.readyHead); // a consumer that never catches up must not keep what it took
      this.readyHead = 0;
    }
    return record;
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, isRunning, isStale } = payload;
    const { topic, partition } = batch;
    // Fetched before a seek that kafkajs has not applied yet: not from the new position.
    if (isStale()) return;
    // A seek or a rejoin from now on moves the partition's epoch (cheaper than isStale per record).
    const epoch = this.epochOf(topic, partition);
    const epochs = this.epochs.get(topic);
    const live = (): boolean => isRunning() && epochs?.get(partition) === epoch && !this.stopped && !this.failure;
    const restored = this.options.restored?.(topic, partition);
    let first = -1;
    if (restored) {
      const waited = await this.waitForRestore(restored, payload, live);
      if (!waited.ready) return;
      first = waited.from ?? -1;
    }
    const records = fetchedRecords(batch);
    /** The last record handed out: the fetch position moves past it (resolved once, not per record). */
    let last: number | undefined;
    try {
      while (!records.done) {
        if (this.ledger.openCount >= this.options.maxInFlight) {
          if (last !== undefined) resolveOffset(String(last));
          while (live() && !this.paused && !this.hasRoom()) {
            this.handedOut.notify(); // let the consumer take what was handed out before waiting for room
            await this.waitForRoom(payload);
          }
        }
        if (!live() || this.paused) break; // what is not handed out is fetched again
        const offset = records.offset;
        if (first >= 0 && offset < first) {
          records.skip();
          last = offset; // committed by a transaction that ended after this batch was fetched
          continue;
        }
        this.ledger.add(topic, partition, offset);
        this.ready.push(records.take(topic, partition, epoch));
        last = offset;
      }
    } finally {
      // Commits are the ledger's; this is only where kafkajs fetches from next.
      if (last !== undefined && epochs?.get(partition) === epoch) resolveOffset(String(last));
      this.handedOut.notify();
    }
  }

  /**
   * Wait for a partition's state to be restored, keeping the group
   * membership alive; whether records may be handed out now. A failed
   * restore fails the feed.
   */
  private async waitForRestore(
    restored: Promise<number | void>,
    payload: EachBatchPayload,
    live: () => boolean,
  ): Promise<{ ready: boolean; from?: number }> {
    let done = false;
    let from: number | undefined;
    restored.then(
      (first) => {
        done = true;
        if (typeof first === 'number') from = first;
      },
      (err: unknown) => this.fail(err instanceof Error ? err : new Error(String(err))),
    );
    await Promise.resolve(); // a restore already done settles here, without a heartbeat
    while (!done && live()) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([restored.catch(() => undefined), new Promise((resolve) => (timer = setTimeout(resolve, this.options.heartbeatInterval)))]);
      clearTimeout(timer);
      if (!done && live()) await payload.heartbeat();
    }
    return { ready: done && live(), from };
  }

  /** Wait for room (see `hasRoom`), keeping the group membership alive. */
  private async waitForRoom({ heartbeat }: EachBatchPayload): Promise<void> {
    await this.room.wait(this.options.heartbeatInterval);
    const now = Date.now();
    if (now - this.lastHeartbeat < HEARTBEAT_EVERY_MS) return;
    this.lastHeartbeat = now;
    await heartbeat();
  }

  /**
   * A join (a rebalance, or the consumer restarted after a crash) starts
   * fetching every partition again from its committed offset: what was
   * handed out before no longer counts, and comes again.
   */
  private onAssignment(assignment: TopicPartition[]): void {
    for (const { topic, partition } of [...this.assigned, ...assignment]) this.forget(topic, partition);
    this.assigned = [...assignment].sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition);
    this.options.onAssigned?.(this.assignment);
    // Topics matched by a pattern come with the assignment: a paused feed pauses them too.
    if (this.paused && !Array.isArray(this.subscription)) this.consumer.pause(this.pausable());
    this.notifyAll();
  }

  /** The topics to pause or resume: the subscribed ones, or for a pattern those assigned. */
  private pausable(): Array<{ topic: string }> {
    const topics = Array.isArray(this.subscription) ? this.subscription : [...new Set(this.assigned.map(({ topic }) => topic))];
    return topics.map((topic) => ({ topic }));
  }

  private forget(topic: string, partition: number, position?: number): void {
    this.ledger.forget(topic, partition, position);
    this.epochs.get(topic)?.delete(partition);
    const kept = this.ready.slice(this.readyHead).filter((r) => r.partition !== partition || r.topic !== topic);
    this.ready = kept;
    this.readyHead = 0;
    this.notifyAll();
  }

  /**
   * Room for a run of records: a quarter of `maxInFlight` free. Handing out
   * runs rather than one record per finished one spares a wake-up (and its
   * timer) per record.
   */
  private hasRoom(): boolean {
    const { maxInFlight } = this.options;
    return this.ledger.openCount <= maxInFlight - Math.ceil(maxInFlight / 4);
  }

  private ledgerChanged(): void {
    this.changed.notify();
    if (this.hasRoom()) this.room.notify();
  }

  /** Something every waiter may care about changed (pause, stop, a failure, a partition moved). */
  private notifyAll(): void {
    this.changed.notify();
    this.room.notify();
    this.handedOut.notify();
  }

  private report(state: ConsumerState, error?: Error): void {
    this.options.onState?.(state, error);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.notifyAll();
  }
}
