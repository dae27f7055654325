import type { Consumer, EachBatchPayload } from 'kafkajs';
import { InFlight } from './in-flight';
import { Notifier } from './notifier';
import { type RawRecord, toRawRecord } from './record';

/** What a consumer is doing, for status displays. */
export type ConsumerState = 'connecting' | 'connected' | 'paused' | 'error' | 'disconnected';
export type ConsumerStateListener = (state: ConsumerState, error?: Error) => void;

export interface FeedOptions {
  fromBeginning: boolean;
  /** Records handed out and not yet finished, at most. */
  maxInFlight: number;
  autoCommitInterval: number;
  /** How often to wake up and heartbeat while waiting for the handler. */
  heartbeatInterval: number;
  onState?: ConsumerStateListener;
}

/**
 * Turns kafkajs's push (`eachBatch`) into pull (`next()`), at-least-once:
 * a record's offset is resolved — and so committed — only once `finish()` was
 * called for it and for every earlier record of its partition. A batch is not
 * left before its handed-out records are finished, because kafkajs fetches the
 * next batch from the last resolved offset; records not handed out (paused,
 * seeked, stopped) are simply fetched again later.
 */
export class ConsumerFeed {
  private readonly inFlight = new InFlight();
  private readonly ready: RawRecord[] = [];
  private readonly changed = new Notifier();
  private readonly resolvers = new Map<number, (offset: string) => void>();
  private assigned: number[] = [];
  private paused = false;
  private stopped = false;
  private failure: Error | undefined;

  constructor(
    private readonly consumer: Consumer,
    private readonly topic: string,
    private readonly options: FeedOptions,
  ) {
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      this.onAssignment(payload.memberAssignment[topic] ?? []);
      this.report(this.paused ? 'paused' : 'connected');
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.report('error', payload.error);
      if (!payload.restart) this.fail(payload.error);
      else this.report('connecting');
    });
    consumer.on(consumer.events.DISCONNECT, () => this.report('disconnected'));
  }

  async start(): Promise<void> {
    this.report('connecting');
    await this.consumer.connect();
    await this.consumer.subscribe({ topics: [this.topic], fromBeginning: this.options.fromBeginning });
    await this.consumer.run({
      autoCommit: true,
      autoCommitInterval: this.options.autoCommitInterval,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  /**
   * The next record, or undefined once stopped. Rejects when the consumer
   * crashed. While paused nothing is handed out, not even records fetched
   * before the pause.
   */
  async next(): Promise<RawRecord | undefined> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.stopped) return undefined;
      const record = this.paused ? undefined : this.ready.shift();
      if (record) return record;
      await this.changed.wait(this.options.heartbeatInterval);
    }
  }

  /** The handler is done with `record`: its offset may be committed. */
  finish(record: RawRecord): void {
    const resolvable = this.inFlight.finish(record.partition, record.offset);
    if (resolvable !== undefined) this.resolvers.get(record.partition)?.(String(resolvable));
    this.changed.notify();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  get partitions(): number[] {
    return [...this.assigned];
  }

  pause(): void {
    if (this.paused) return;
    this.paused = true;
    this.consumer.pause([{ topic: this.topic }]);
    this.changed.notify();
    this.report('paused');
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.consumer.resume([{ topic: this.topic }]);
    this.changed.notify();
    this.report('connected');
  }

  /** Move a partition's position; records of it handed out earlier no longer count. */
  seek(partition: number, offset: number): void {
    this.consumer.seek({ topic: this.topic, partition, offset: String(offset) });
    this.forget(partition);
  }

  /** Wait until partitions are assigned to this member (or time out). */
  async waitForAssignment(timeoutMs: number): Promise<number[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.assigned.length === 0) {
      if (this.failure) throw this.failure;
      if (Date.now() >= deadline) throw new Error(`no partition of ${this.topic} was assigned within ${timeoutMs} ms`);
      await this.changed.wait(Math.min(100, deadline - Date.now()));
    }
    return this.partitions;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.changed.notify();
    await this.consumer.disconnect();
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, isRunning, isStale } = payload;
    const { partition } = batch;
    this.resolvers.set(partition, resolveOffset);
    const live = (): boolean => isRunning() && !isStale() && !this.stopped;
    for (const message of batch.messages) {
      while (live() && !this.paused && this.inFlight.count >= this.options.maxInFlight) await this.idle(payload);
      if (!live() || this.paused) break;
      const record = toRawRecord(batch.topic, partition, message);
      this.inFlight.add(partition, record.offset);
      this.ready.push(record);
      this.changed.notify();
    }
    while (live() && this.inFlight.countFor(partition) > 0) await this.idle(payload);
  }

  /**
   * Wait a little for the handler, keeping the group membership alive and
   * committing what finished meanwhile (kafkajs itself commits only between
   * batches, and one batch can hold thousands of records).
   */
  private async idle({ heartbeat, commitOffsetsIfNecessary }: EachBatchPayload): Promise<void> {
    await this.changed.wait(this.options.heartbeatInterval);
    await commitOffsetsIfNecessary();
    await heartbeat();
  }

  private onAssignment(partitions: number[]): void {
    for (const partition of this.assigned) if (!partitions.includes(partition)) this.forget(partition);
    this.assigned = [...partitions].sort((a, b) => a - b);
    this.changed.notify();
  }

  private forget(partition: number): void {
    this.inFlight.clear(partition);
    for (let i = this.ready.length - 1; i >= 0; i--) if (this.ready[i].partition === partition) this.ready.splice(i, 1);
    this.changed.notify();
  }

  private report(state: ConsumerState, error?: Error): void {
    this.options.onState?.(state, error);
  }

  private fail(error: Error): void {
    this.failure = error;
    this.changed.notify();
  }
}
