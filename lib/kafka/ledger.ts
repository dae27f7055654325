/**
 * What happens to a record whose work failed (its `after` promise rejected):
 * - `stop`: the consumer fails (a library stream then rejects); nothing at or
 *   after the record is committed, so a restart handles it again;
 * - `hold`: the partition's commits stop at the record; later records are
 *   still handled but not committed, so after a restart or rebalance they and
 *   the failed one come again;
 * - `skip`: the record counts as done, as if it had succeeded.
 */
export type FailurePolicy = 'stop' | 'hold' | 'skip';

/** A record's topic, partition and offset: all the ledger needs of it. */
export interface RecordPosition {
  topic: string;
  partition: number;
  offset: number;
}

/** A record handed out whose work is not yet known to be done (also while it waits for its `after`). */
interface Entry {
  readonly ledger: PartitionLedger;
  readonly offset: number;
  /** `finish` not called yet: the record still takes a slot of `maxInFlight`. */
  open: boolean;
  done: boolean;
  /** Dropped: finished after a held record, it is never committed (policy `hold`). */
  dropped: boolean;
  failure?: Error;
}

/** Below this many listed records a held partition's dropped ones are not worth compacting away. */
const PRUNE_AT = 4_096;

/**
 * One partition's records in offset order, from the oldest not yet
 * committable: a list rather than a map by offset, as records are added in
 * offset order and mostly finished in it, so that finding one is a look at
 * the slot after the last one found.
 */
class PartitionLedger {
  /** The records from `head` on are listed, ascending; the ones before it were passed by `committable`. */
  private list: Entry[] = [];
  private head = 0;
  /** Where `find` found a record last. */
  private hint = 0;
  /** Dropped records still listed. */
  private dropped = 0;
  /** The offset to commit next: one past the last record of an unbroken run of done ones. */
  committable: number | undefined;
  committed: number | undefined;
  /** The failed record the partition's commits stop at (policy `hold`). */
  held: { offset: number; error: Error } | undefined;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  /** List a record handed out after every listed one (offsets ascend). */
  add(offset: number): void {
    this.list.push({ ledger: this, offset, open: true, done: false, dropped: false });
  }

  /** The listed record at `offset`, if any (a dropped one is finished: not open). */
  find(offset: number): Entry | undefined {
    const { list, head } = this;
    let i = this.hint + 1; // records mostly finish in offset order
    if (!(i >= head && i < list.length && list[i].offset === offset)) {
      i = this.hint;
      if (!(i >= head && i < list.length && list[i].offset === offset)) i = search(list, head, offset);
    }
    if (i < 0) return undefined;
    this.hint = i;
    return list[i];
  }

  /** Move `committable` over the done records at the front; stops at the first failed or unfinished one. */
  advance(): void {
    const list = this.list;
    while (this.head < list.length) {
      const entry = list[this.head];
      if (!entry.done && !entry.dropped) break;
      this.head++;
      if (entry.dropped) this.dropped--;
      else this.committable = entry.offset + 1;
    }
    // Drop what was passed: under steady load the list never empties.
    if (this.head === list.length) this.list.length = this.head = this.hint = 0;
    else if (this.head >= 1_024) this.compact(list.slice(this.head));
  }

  /** Drop `entry` from the list: it is never committed (it finished after a held record). */
  drop(entry: Entry): void {
    entry.dropped = true;
    this.dropped++;
    const listed = this.list.length - this.head;
    if (listed >= PRUNE_AT && listed >= 2 * (listed - this.dropped)) {
      this.compact(this.list.slice(this.head).filter((listedEntry) => !listedEntry.dropped));
      this.dropped = 0;
    }
  }

  get openCount(): number {
    let open = 0;
    for (let i = this.head; i < this.list.length; i++) if (this.list[i].open && !this.list[i].dropped) open++;
    return open;
  }

  private compact(list: Entry[]): void {
    this.list = list;
    this.head = this.hint = 0;
  }
}

/** The index of the record at `offset` in `list` from `from` on (ascending offsets), or -1. */
function search(list: Entry[], from: number, offset: number): number {
  let low = from;
  let high = list.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const at = list[middle].offset;
    if (at === offset) return middle;
    if (at < offset) low = middle + 1;
    else high = middle - 1;
  }
  return -1;
}

export interface LedgerOptions {
  onFailure: FailurePolicy;
  /** Told about every failed record (after the policy was applied). */
  failed: (position: RecordPosition, error: Error, policy: FailurePolicy) => void;
  /** Told when something changed that a waiter may care about (room, committable offsets). */
  changed: () => void;
}

/**
 * The commit ledger of one consumer: the one place that answers "may offset
 * N of partition P be committed?". Records are added in offset order as they
 * are handed out; `finish(record, after?)` is the only door through which
 * work on a record ends — a handler's end, the acknowledgement of what its
 * sinks produced (`after`), a Node-RED flow's completion. A partition's
 * committable offset is one past the longest run of done records from its
 * oldest, so nothing unfinished is committed, even when records finish out
 * of order. The consumer commits `committable()` after the commit barrier
 * (state flushed) and then calls `committed()`.
 */
export class CommitLedger {
  /** Per topic (a consumer may read several), per partition. */
  private readonly topics = new Map<string, Map<number, PartitionLedger>>();
  /** Records handed out and not yet finished (their `after` may still be pending). */
  private open = 0;
  /** Finished records whose `after` has not settled yet. */
  private waiting = 0;
  /** Those records, by their `after`. */
  private readonly afters = new Map<PromiseLike<unknown>, Entry[]>();

  constructor(private readonly options: LedgerOptions) {}

  /** Records handed out whose `finish` was not called yet. */
  get openCount(): number {
    return this.open;
  }

  /** Whether every finished record's `after` has settled. */
  get settled(): boolean {
    return this.waiting === 0;
  }

  /** A record is handed out (in offset order within its partition). */
  add(topic: string, partition: number, offset: number): void {
    let partitions = this.topics.get(topic);
    if (!partitions) this.topics.set(topic, (partitions = new Map()));
    let ledger = partitions.get(partition);
    if (!ledger) partitions.set(partition, (ledger = new PartitionLedger(topic, partition)));
    ledger.add(offset);
    this.open++;
  }

  /**
   * Work on a record ended; once `after` (if given) resolves, it is done and
   * its offset may be committed. A rejected `after` applies the failure
   * policy. Records the ledger forgot (seeked or revoked partition) and
   * records finished twice are ignored.
   */
  finish({ topic, partition, offset }: RecordPosition, after?: PromiseLike<unknown>): void {
    const ledger = this.topics.get(topic)?.get(partition);
    const entry = ledger?.find(offset);
    if (!ledger || !entry?.open) {
      after?.then(undefined, () => undefined); // forgotten: its outcome no longer matters
      return;
    }
    entry.open = false;
    this.open--;
    if (!after) {
      this.settle(entry);
      return;
    }
    this.waiting++;
    // Records finished with the same `after` (a sink's acknowledgement of one request) share one reaction.
    let sharing = this.afters.get(after);
    if (!sharing) {
      const records: Entry[] = (sharing = []);
      this.afters.set(after, records);
      after.then(
        () => this.settleAll(after, records),
        (err: unknown) => this.settleAll(after, records, err instanceof Error ? err : new Error(String(err))),
      );
    }
    sharing.push(entry);
    this.options.changed();
  }

  /** Offsets to commit now: per partition, its committable offset when it moved since the last commit. */
  committable(): RecordPosition[] {
    const offsets: RecordPosition[] = [];
    for (const [topic, partitions] of this.topics) {
      for (const [partition, ledger] of partitions) {
        if (ledger.committable !== undefined && ledger.committable !== ledger.committed) {
          offsets.push({ topic, partition, offset: ledger.committable });
        }
      }
    }
    return offsets;
  }

  /** These offsets were committed. */
  committed(offsets: RecordPosition[]): void {
    for (const { topic, partition, offset } of offsets) {
      const ledger = this.topics.get(topic)?.get(partition);
      if (ledger && (ledger.committed === undefined || offset > ledger.committed)) ledger.committed = offset;
    }
  }

  /** Where each held partition's commits stop, and why. */
  held(): Array<RecordPosition & { error: Error }> {
    const held: Array<RecordPosition & { error: Error }> = [];
    for (const [topic, partitions] of this.topics) {
      for (const [partition, ledger] of partitions) if (ledger.held) held.push({ topic, partition, ...ledger.held });
    }
    return held;
  }

  /**
   * Forget a partition (revoked, or its position moved by a seek): its
   * records no longer count. After a seek, `position` is committed next, so
   * that a restart goes on from there too.
   */
  forget(topic: string, partition: number, position?: number): void {
    const partitions = this.topics.get(topic);
    const ledger = partitions?.get(partition);
    if (partitions && ledger) {
      this.open -= ledger.openCount;
      partitions.delete(partition);
    }
    if (position !== undefined) {
      const moved = new PartitionLedger(topic, partition);
      moved.committable = position;
      if (partitions) partitions.set(partition, moved);
      else this.topics.set(topic, new Map([[partition, moved]]));
    }
    this.options.changed();
  }

  private settleAll(after: PromiseLike<unknown>, records: Entry[], failure?: Error): void {
    this.afters.delete(after);
    this.waiting -= records.length;
    for (const entry of records) this.settle(entry, failure);
  }

  private settle(entry: Entry, failure?: Error): void {
    const { ledger } = entry;
    const { topic, partition } = ledger;
    if (this.topics.get(topic)?.get(partition) !== ledger) return; // forgotten meanwhile
    if (failure && this.options.onFailure !== 'skip') {
      entry.failure = failure;
      // Commits stop at the lowest failed offset, whichever failed first.
      if (this.options.onFailure === 'hold' && (!ledger.held || entry.offset < ledger.held.offset)) ledger.held = { offset: entry.offset, error: failure };
    } else {
      entry.done = true;
    }
    if (ledger.held && entry.offset > ledger.held.offset) {
      ledger.drop(entry); // never committed
    } else {
      ledger.advance();
    }
    if (failure) this.options.failed({ topic, partition, offset: entry.offset }, failure, this.options.onFailure);
    this.options.changed();
  }
}
