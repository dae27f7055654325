import type { Message } from 'kafkajs';

export interface BatcherOptions {
  /** Records in one produce request, at most. */
  maxBatch: number;
  /** Records queued (not yet sent) before `room()` makes callers wait. */
  maxQueued: number;
  /** How long records added with `linger` may wait for others to share their request (ms). */
  lingerMs: number;
}

interface Queued {
  message: Message;
  linger: boolean;
  settle: (error?: Error) => void;
}

/**
 * Sends records in batches, one request at a time: records that arrive while
 * a request is in flight go out together in the next one, and records added
 * with `linger` (their callers do not wait for the ack) wait up to `lingerMs`
 * for more. One request at a time keeps every partition's order, also across
 * the client's retries. `add` resolves when the broker acknowledged the
 * record's request, or rejects with its error.
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

  constructor(
    private readonly send: (messages: Message[]) => Promise<void>,
    private readonly options: BatcherOptions,
  ) {}

  add(message: Message, linger = false): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ message, linger, settle: (error) => (error ? reject(error) : resolve()) });
      if (!linger) this.urgent = true;
      this.kick();
    });
  }

  /** Resolves when the queue has room (backpressure for callers that do not wait for acks). */
  async room(): Promise<void> {
    while (this.queue.length >= this.options.maxQueued) await new Promise<void>((resolve) => this.roomWaiters.push(resolve));
  }

  /** Resolves when every record added so far was sent and settled (lingering ones are sent now). */
  async flush(): Promise<void> {
    this.urgent = true;
    this.kick();
    while (this.sending || this.queue.length > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
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
    } else {
      this.lingering ??= setTimeout(() => {
        this.lingering = undefined;
        this.due = true;
        this.kick();
      }, this.options.lingerMs);
    }
  }

  private async sendNext(): Promise<void> {
    if (this.sending || this.queue.length === 0) return;
    this.sending = true;
    this.due = false;
    const batch = this.queue.splice(0, this.options.maxBatch);
    this.urgent = this.queue.some((q) => !q.linger);
    for (const wake of this.roomWaiters.splice(0)) wake();
    let error: Error | undefined;
    try {
      await this.send(batch.map((q) => q.message));
    } catch (err) {
      error = err instanceof Error ? err : new Error(String(err));
    }
    this.sending = false;
    for (const q of batch) q.settle(error);
    if (this.queue.length > 0) this.kick();
    else for (const wake of this.idleWaiters.splice(0)) wake();
  }
}
