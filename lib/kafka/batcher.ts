import type { Message } from 'kafkajs';
import { DeliveryTimeoutError } from './delivery';
import type { Produced } from './produced';

export interface BatcherOptions {
  /** Records in one produce request, at most. */
  maxBatch: number;
  /** Records queued (not yet sent) before `room()` makes callers wait. */
  maxQueued: number;
  /** How long records added with `linger` may wait for others to share their request (ms). */
  lingerMs: number;
  /** How long a record may wait for its acknowledgement from `add` on, retries included (ms). */
  deliveryTimeoutMs: number;
  /** Whether a failed request may succeed later (the broker is restarting, a leader is being elected). */
  isTransient: (error: Error) => boolean;
  /**
   * Told on each failed attempt that will be retried, and with `undefined`
   * once that is over: a request was acknowledged, or nothing is left to retry.
   */
  onRetry?: (retrying: Retrying | undefined) => void;
}

/** Requests have been failing since `since` (epoch ms: when the first failed one was sent) and are retried; `error` is the latest failure. */
export interface Retrying {
  since: number;
  error: Error;
}

interface Queued {
  message: Message;
  linger: boolean;
  /** When it was added (epoch ms): its delivery timeout counts from here. */
  added: number;
  settle: (error: Error | undefined, produced?: Produced) => void;
}

/**
 * Records added with `addLingering` share one acknowledgement: it resolves
 * once every one of them was acknowledged, or rejects with the first
 * failure. A window takes records until a request takes one of them (or it
 * holds `maxBatch`), so it spans one request, or two when a request was cut.
 */
class AckWindow {
  readonly acked: Promise<void>;
  /** Records of the window not yet settled. */
  private left = 0;
  private sealed = false;
  private failure: Error | undefined;
  private resolve!: () => void;
  private reject!: (error: Error) => void;
  /** One function for every record of the window (not a closure per record). */
  readonly settle = (error: Error | undefined): void => {
    if (error) this.failure ??= error;
    this.left--;
    this.end();
  };

  constructor() {
    this.acked = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  get size(): number {
    return this.left;
  }

  add(): void {
    this.left++;
  }

  /** No more records join. */
  seal(): void {
    this.sealed = true;
    this.end();
  }

  private end(): void {
    if (!this.sealed || this.left > 0) return;
    if (this.failure) this.reject(this.failure);
    else this.resolve();
  }
}

/** Backoff between retries of a failed request (kafkajs retries a few times inside each attempt as well). */
const RETRY_BACKOFF_MS = { initial: 250, max: 5_000 };

/**
 * Sends records in batches, one request at a time: records that arrive while
 * a request is in flight go out together in the next one, and records added
 * with `linger` (their callers do not wait for the ack) wait up to `lingerMs`
 * for more. One request at a time keeps every partition's order, also across
 * the client's retries. `add` resolves when the broker acknowledged the
 * record's request, with the record's partition and offset, or rejects with
 * its error.
 *
 * A request that fails with a transient error (the broker is down) is sent
 * again, with backoff, until the delivery timeout of its oldest record runs
 * out; then its records fail with a `DeliveryTimeoutError`. Later records
 * wait meanwhile, so the order holds.
 */
export class ProduceBatcher {
  private queue: Queued[] = [];
  private sending = false;
  private scheduled = false;
  /** A queued record's caller waits for its ack: send without lingering. */
  private urgent = false;
  /** The linger of the oldest lingering record is over. */
  private due = false;
  private lingering: NodeJS.Timeout | undefined;
  private idleWaiters: Array<() => void> = [];
  private roomWaiters: Array<() => void> = [];
  /** Where records added with `addLingering` go now. */
  private window: AckWindow | undefined;
  /** Since when requests fail and are retried (undefined while they succeed). */
  private retrying: Retrying | undefined;
  /** Set by `abort`: no more retries, queued records fail with it. */
  private aborted: Error | undefined;
  /** Ends the backoff wait early (on `abort`). */
  private wakeBackoff: (() => void) | undefined;

  constructor(
    /** Sends one request; resolves with each message's partition and offset, in order. */
    private readonly send: (messages: Message[]) => Promise<Produced[]>,
    private readonly options: BatcherOptions,
  ) {}

  add(message: Message, linger = false): Promise<Produced> {
    return new Promise<Produced>((resolve, reject) => {
      if (this.aborted) {
        reject(this.aborted);
        return;
      }
      this.queue.push({ message, linger, added: Date.now(), settle: (error, produced) => (error ? reject(error) : resolve(produced as Produced)) });
      if (!linger) this.urgent = true;
      this.kick();
    });
  }

  /**
   * Queue a record whose caller does not wait for its acknowledgement (it
   * lingers): resolves once it and the records added with it since the last
   * request was taken were acknowledged, or rejects with the first failure
   * among them. Callers that do not need each record's partition and offset
   * share one promise per request this way, not one per record.
   */
  addLingering(message: Message): Promise<void> {
    if (this.aborted) return Promise.reject(this.aborted);
    const window = (this.window ??= new AckWindow());
    window.add();
    this.queue.push({ message, linger: true, added: Date.now(), settle: window.settle });
    if (window.size >= this.options.maxBatch) this.closeWindow();
    this.kick();
    return window.acked;
  }

  /**
   * Undefined while the queue has room, else a promise that resolves when it
   * may have room again (ask again then): backpressure for callers that do
   * not wait for acks.
   */
  room(): Promise<void> | undefined {
    if (this.queue.length < this.options.maxQueued) return undefined;
    return new Promise<void>((resolve) => this.roomWaiters.push(resolve));
  }

  /** Resolves when every record added so far was sent and settled (lingering ones are sent now). */
  async flush(): Promise<void> {
    this.urgent = true;
    this.kick();
    while (this.sending || this.queue.length > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stop retrying (the topic is closing): the request being retried and the
   * queued records fail with `error`. A request already on the wire settles
   * with its own outcome.
   */
  abort(error: Error): void {
    this.aborted ??= error;
    this.closeWindow();
    this.wakeBackoff?.();
    const queued = this.queue.splice(0);
    for (const q of queued) q.settle(error);
    for (const wake of this.roomWaiters.splice(0)) wake();
    if (!this.sending) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  get queued(): number {
    return this.queue.length;
  }

  private kick(): void {
    if (this.sending || this.scheduled || this.queue.length === 0) return;
    if (this.urgent || this.due || this.queue.length >= this.options.maxBatch) {
      clearTimeout(this.lingering);
      this.lingering = undefined;
      // On the next microtask, so that records added in the same tick share the request.
      this.scheduled = true;
      queueMicrotask(() => {
        this.scheduled = false;
        void this.sendNext();
      });
      return;
    }
    if (this.lingering) return;
    // The linger counts from the oldest queued record, as Kafka's linger.ms from a batch's start:
    // records that queued up while the previous request was on its way are sent as soon as it is done.
    const left = this.options.lingerMs - (Date.now() - this.queue[0].added);
    if (left <= 0) {
      this.due = true;
      this.kick();
      return;
    }
    this.lingering = setTimeout(() => {
      this.lingering = undefined;
      this.due = true;
      this.kick();
    }, left);
  }

  private async sendNext(): Promise<void> {
    if (this.sending || this.queue.length === 0) return;
    this.sending = true;
    this.due = false;
    const batch = this.queue.splice(0, this.options.maxBatch);
    this.closeWindow(); // later records wait for a later request: they share a new window
    this.urgent = this.queue.some((q) => !q.linger);
    for (const wake of this.roomWaiters.splice(0)) wake();
    const { error, produced } = await this.deliver(batch);
    this.sending = false;
    // Retrying is over once a request got through, or once the last retried records gave up.
    if (this.retrying && (!error || this.queue.length === 0)) {
      this.retrying = undefined;
      this.options.onRetry?.(undefined);
    }
    batch.forEach((q, i) => q.settle(error, produced?.[i]));
    if (this.queue.length > 0) this.kick();
    else for (const wake of this.idleWaiters.splice(0)) wake();
  }

  /** Send one request until it is acknowledged (where its records went), fails for good, or its delivery timeout runs out (the error). */
  private async deliver(batch: Queued[]): Promise<{ error?: Error; produced?: Produced[] }> {
    const messages = batch.map((q) => q.message);
    const deadline = Math.min(...batch.map((q) => q.added)) + this.options.deliveryTimeoutMs;
    let backoff = RETRY_BACKOFF_MS.initial;
    for (let attempt = 1; ; attempt++) {
      const sent = Date.now();
      try {
        return { produced: await this.send(messages) };
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        if (!this.options.isTransient(error)) return { error };
        if (this.aborted) return { error: this.aborted };
        const left = deadline - Date.now();
        if (left <= 0) return { error: new DeliveryTimeoutError(this.options.deliveryTimeoutMs, attempt, error) };
        this.retrying = { since: this.retrying?.since ?? sent, error };
        this.options.onRetry?.(this.retrying);
        await this.backoff(Math.min(backoff, left)); // the last attempt comes when the timeout runs out
        if (this.aborted) return { error: this.aborted };
        backoff = Math.min(backoff * 2, RETRY_BACKOFF_MS.max);
      }
    }
  }

  private closeWindow(): void {
    this.window?.seal();
    this.window = undefined;
  }

  private backoff(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeBackoff = done;
    }).finally(() => (this.wakeBackoff = undefined));
  }
}
