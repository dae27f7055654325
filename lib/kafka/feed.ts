import type { Consumer, EachBatchPayload } from 'kafkajs';
import { commitBarrier } from '../core/commit-barrier';
import { pendingAcks } from './acks';
import { InFlight } from './in-flight';
import { Notifier } from './notifier';
import { type RawRecord, toRawRecord } from './record';

/** What a consumer is doing, for status displays. */
export type ConsumerState = 'connecting' | 'connected' | 'paused' | 'error' | 'disconnected';
export type ConsumerStateListener = (state: ConsumerState, error?: Error) => void;

/** How long `stop()` waits for produced records to be acknowledged so their sources can be committed. */
const STOP_ACK_WAIT_MS = 5_000;
/** `idle` commits and heartbeats at most this often (both are also rate-limited by kafkajs). */
const KEEP_ALIVE_EVERY_MS = 100;

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
 *
 * Records produced by `handle` sinks without waiting (see `pendingAcks`) gate
 * the resolution: an offset that became resolvable is resolved only once
 * everything produced before it was acknowledged; a failed produce fails
 * the feed, which then resolves nothing more.
 */
export class ConsumerFeed {
  private readonly inFlight = new InFlight();
  private readonly ready: RawRecord[] = [];
  private readonly changed = new Notifier();
  private readonly resolvers = new Map<number, (offset: string) => void>();
  /** Per partition: the wait for acknowledgements before resolving (and the offset to resolve after it). */
  private readonly gates = new Map<number, { epoch: number; then: number | undefined }>();
  /** Per partition, bumped when its position moves: a wait from before is dropped. */
  private readonly epochs = new Map<number, number>();
  /** Produce failures before this consumer started are not its own. */
  private readonly acksFloor = pendingAcks.mark();
  /** When `idle` last committed and heartbeated. */
  private lastKeepAlive = 0;
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
    if (resolvable !== undefined) this.resolve(record.partition, resolvable);
    this.changed.notify();
  }

  /**
   * Resolve `offset` once everything produced so far (by `handle` sinks) is
   * acknowledged. One wait per partition at a time: offsets that become
   * resolvable meanwhile are resolved after it, behind a new mark.
   */
  private resolve(partition: number, offset: number): void {
    const gate = this.gates.get(partition);
    if (gate) {
      gate.then = offset;
      return;
    }
    const mark = pendingAcks.mark();
    const waiting = { epoch: this.epochs.get(partition) ?? 0, then: undefined as number | undefined };
    this.gates.set(partition, waiting);
    // Bridge until the commit ledger lands: buffered cache state is written before the offset is resolved.
    Promise.all([pendingAcks.whenAcked(this.acksFloor, mark), commitBarrier()]).then(
      () => {
        if ((this.epochs.get(partition) ?? 0) !== waiting.epoch || this.failure) return; // forgotten: no longer its gate
        this.gates.delete(partition);
        this.resolvers.get(partition)?.(String(offset));
        if (waiting.then !== undefined) this.resolve(partition, waiting.then);
        this.changed.notify();
      },
      (error: Error) => {
        if (this.gates.get(partition) === waiting) this.gates.delete(partition);
        this.fail(error);
      },
    );
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
    // Give offsets waiting for acknowledgements a moment to be resolved, and so committed.
    const deadline = Date.now() + STOP_ACK_WAIT_MS;
    while (this.gates.size > 0 && !this.failure && !this.stopped && Date.now() < deadline) await this.changed.wait(50);
    this.stopped = true;
    this.changed.notify();
    await this.consumer.disconnect();
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, isRunning, isStale } = payload;
    const { partition } = batch;
    this.resolvers.set(partition, resolveOffset);
    const live = (): boolean => isRunning() && !isStale() && !this.stopped && !this.failure;
    for (const message of batch.messages) {
      while (live() && !this.paused && this.inFlight.count >= this.options.maxInFlight) await this.idle(payload);
      if (!live() || this.paused) break;
      const record = toRawRecord(batch.topic, partition, message);
      this.inFlight.add(partition, record.offset);
      this.ready.push(record);
      this.changed.notify();
    }
    while (live() && (this.inFlight.countFor(partition) > 0 || this.gates.has(partition))) await this.idle(payload);
  }

  /**
   * Wait a little for the handler, keeping the group membership alive and
   * committing what finished meanwhile (kafkajs itself commits only between
   * batches, and one batch can hold thousands of records).
   */
  private async idle({ heartbeat, commitOffsetsIfNecessary }: EachBatchPayload): Promise<void> {
    await this.changed.wait(this.options.heartbeatInterval);
    // Called once per record when the handler is fast: keep the round trips into kafkajs rare.
    const now = Date.now();
    if (now - this.lastKeepAlive < KEEP_ALIVE_EVERY_MS) return;
    this.lastKeepAlive = now;
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
    this.epochs.set(partition, (this.epochs.get(partition) ?? 0) + 1);
    this.gates.delete(partition);
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
