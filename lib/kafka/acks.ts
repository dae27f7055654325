/**
 * Records produced without waiting for their acknowledgement (a `Topic`
 * used as a `handle` sink), process-wide, so that a consumer commits a
 * source record only after everything produced while handling it was
 * acknowledged: at-least-once with batched producing.
 *
 * Each record gets a sequence number when it is queued; `mark()` is the
 * position now. A consumer takes a mark when a record is finished and
 * resolves its offset once every record queued before the mark is
 * acknowledged (`whenAcked`). A failed record fails every later mark: the
 * consumer stops committing and fails, so the source record is consumed
 * again after a restart. Marks are conservative: unrelated records queued
 * meanwhile are waited for too, which only delays a commit.
 */
export class PendingAcks {
  private next = 0;
  /** Every record numbered below `low` is settled. */
  private low = 0;
  private readonly settledAbove = new Set<number>();
  /** Recent failures, oldest first (bounded: a consumer fails on the first one it sees). */
  private readonly failures: Array<{ seq: number; error: Error }> = [];
  private waiters: Array<{ floor: number; mark: number; resolve: () => void; reject: (error: Error) => void }> = [];

  /** Register a record being produced; call the returned function once it was acknowledged, or with the error. */
  add(): (error?: Error) => void {
    const seq = this.next++;
    let settled = false;
    return (error) => {
      if (settled) return;
      settled = true;
      this.settle(seq, error);
    };
  }

  /** The position now: everything registered so far comes before it. */
  mark(): number {
    return this.next;
  }

  /** The first failure of a record numbered in [floor, mark), if any. */
  failureIn(floor: number, mark: number): Error | undefined {
    return this.failures.find((f) => f.seq >= floor && f.seq < mark)?.error;
  }

  /** Whether every record registered before `mark` is acknowledged (none failed since `floor`). */
  acked(floor: number, mark: number): boolean {
    return this.low >= mark && this.failureIn(floor, mark) === undefined;
  }

  /**
   * Resolves once every record registered before `mark` is settled, or
   * rejects with the failure of one numbered from `floor` (a consumer's start:
   * failures before it are not its own).
   */
  whenAcked(floor: number, mark: number): Promise<void> {
    const failure = this.failureIn(floor, mark);
    if (failure) return Promise.reject(failure);
    if (this.low >= mark) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ floor, mark, resolve, reject }));
  }

  /** Records registered and not settled yet. */
  get pending(): number {
    return this.next - this.low - this.settledAbove.size;
  }

  private settle(seq: number, error: Error | undefined): void {
    if (error) {
      this.failures.push({ seq, error });
      if (this.failures.length > 1_000) this.failures.shift();
      const failed = this.waiters.filter((w) => seq >= w.floor && seq < w.mark);
      this.waiters = this.waiters.filter((w) => !failed.includes(w));
      for (const w of failed) w.reject(error);
    }
    this.settledAbove.add(seq);
    while (this.settledAbove.delete(this.low)) this.low++;
    if (this.waiters.length === 0 || this.waiters[0].mark > this.low) return;
    const ready = this.waiters.filter((w) => w.mark <= this.low);
    this.waiters = this.waiters.filter((w) => w.mark > this.low);
    for (const w of ready) w.resolve();
  }
}

/** The process's pending acknowledgements (every `Topic` sink and consumer shares them). */
export const pendingAcks = new PendingAcks();
