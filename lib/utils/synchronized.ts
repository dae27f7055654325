import { NOTHING_NOW, TAKE_NOW, takeNow } from '../interfaces';

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/** One reader of an `AsyncSynchronizedGenerator`. */
interface Reader {
  /** How many source values it has taken. */
  read: number;
  /** Inside `next()`: done with the value it took last. */
  waiting: boolean;
  /** While it pulls the source alone: ends that pull (it detached). */
  abandon?: () => void;
}

/**
 * Shares one async source between several consumers without buffering.
 *
 * `copy()` returns an iterator that sees every value the source produces from
 * then on, exactly once. The source is pulled only when every attached copy has
 * taken the current value and asked for the next one, so the slowest copy sets
 * the pace and nothing is read ahead. Iterating the generator itself is the same as iterating a fresh
 * copy.
 *
 * A copy that stops early (`break`, `return()`) detaches and no longer holds
 * the others back; when the last copy detaches before the source is exhausted,
 * the source is closed with `return()`. Exhaustion ends every copy; a source
 * error is thrown to every copy that pulls after it.
 *
 * The source iterator is obtained in the constructor, so a source that
 * subscribes on iteration (a `Proxy`, a cache's updates) is listening before
 * anyone pulls.
 */
export class AsyncSynchronizedGenerator<T> implements AsyncIterable<T> {
  private readonly source: AsyncIterator<T>;
  private readonly readers = new Set<Reader>();
  /** Number of values taken from the source so far. */
  private produced = 0;
  private current: T | undefined;
  private exhausted = false;
  private failure: { error: unknown } | undefined;
  private fetching = false;
  private waiters: Array<() => void> = [];

  constructor(source: AsyncIterable<T>) {
    this.source = source[Symbol.asyncIterator]();
  }

  /** The value the source produced last. */
  get value(): T | undefined {
    return this.current;
  }

  copy(): AsyncIterableIterator<T> {
    const reader: Reader = { read: this.produced, waiting: false };
    this.readers.add(reader);
    const iterator: AsyncIterableIterator<T> & { [TAKE_NOW](): T | typeof NOTHING_NOW } = {
      next: () => this.pull(reader),
      return: () => this.detach(reader),
      [TAKE_NOW]: () => this.takeAlone(reader),
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return this.copy();
  }

  private pull(reader: Reader): Promise<IteratorResult<T>> {
    if (this.readers.size === 1 && reader.read === this.produced && !this.fetching && !this.failure && !this.exhausted && this.readers.has(reader)) {
      return this.pullAlone(reader);
    }
    return this.pullShared(reader);
  }

  /**
   * The only reader pulls the source itself: nobody to wait for (the usual
   * case, one handler per source, is spared the waiting machinery). A copy
   * detached while it waits ends at once, as a shared one does (the source
   * may never yield again).
   */
  private pullAlone(reader: Reader): Promise<IteratorResult<T>> {
    this.fetching = true;
    return new Promise<IteratorResult<T>>((resolve, reject) => {
      reader.abandon = () => resolve(DONE);
      const settle = (): void => {
        this.fetching = false;
        reader.abandon = undefined;
        this.wake(); // readers attached meanwhile
        if (!this.readers.has(reader)) resolve(DONE);
        else if (this.failure) reject(this.failure.error);
        else if (reader.read === this.produced) resolve(DONE);
        else {
          reader.read = this.produced;
          resolve({ done: false, value: this.current as T });
        }
      };
      const failed = (error: unknown): void => {
        this.failure = { error };
        settle();
      };
      try {
        this.source.next().then((result) => {
          this.took(result);
          settle();
        }, failed);
      } catch (error) {
        failed(error);
      }
    });
  }

  /** The only reader takes the source's next value when the source has one at hand (see `TAKE_NOW`). */
  private takeAlone(reader: Reader): T | typeof NOTHING_NOW {
    if (this.readers.size !== 1 || reader.read !== this.produced || this.fetching || this.failure || this.exhausted || !this.readers.has(reader)) return NOTHING_NOW;
    let value: T | typeof NOTHING_NOW;
    try {
      value = takeNow<T>(this.source);
    } catch (error) {
      this.failure = { error };
      throw error;
    }
    if (value === NOTHING_NOW) return value;
    this.advance(value);
    reader.read = this.produced;
    return value;
  }

  private async pullShared(reader: Reader): Promise<IteratorResult<T>> {
    reader.waiting = true;
    try {
      return await this.awaitNext(reader);
    } finally {
      reader.waiting = false;
    }
  }

  private async awaitNext(reader: Reader): Promise<IteratorResult<T>> {
    for (;;) {
      if (!this.readers.has(reader)) return DONE;
      if (reader.read < this.produced) {
        reader.read = this.produced;
        this.wake(); // this reader may have been the last one the others waited for
        return { done: false, value: this.current as T };
      }
      if (this.failure) throw this.failure.error;
      if (this.exhausted) return DONE;
      // Woken when a fetch ends, another reader takes a value, or a reader
      // detaches. Queued before fetching: a source that throws synchronously
      // ends the fetch at once.
      const woken = new Promise<void>((resolve) => this.waiters.push(resolve));
      if (!this.fetching && this.everyoneWaiting()) void this.fetch();
      await woken;
    }
  }

  /**
   * Every reader took the current value and asked for the next. Readers
   * that handle one value at a time are done with it then, so a source that
   * commits on pull (a `Topic` in a plain loop) never commits a value a
   * handler is still working on; `stream()`'s lanes take values ahead and
   * finish a ledger source's records themselves.
   */
  private everyoneWaiting(): boolean {
    for (const reader of this.readers) if (reader.read < this.produced || !reader.waiting) return false;
    return true;
  }

  /** Pulls the source once; readers wait for the result through `waiters`. */
  private async fetch(): Promise<void> {
    this.fetching = true;
    try {
      this.took(await this.source.next());
    } catch (error) {
      this.failure = { error };
    } finally {
      this.fetching = false;
      this.wake();
    }
  }

  /** What the source gave: the next value, or its end. */
  private took(result: IteratorResult<T>): void {
    if (result.done) this.exhausted = true;
    else this.advance(result.value);
  }

  private advance(value: T): void {
    this.current = value;
    this.produced++;
  }

  private wake(): void {
    if (this.waiters.length === 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  private async detach(reader: Reader): Promise<IteratorResult<T>> {
    if (!this.readers.delete(reader)) return DONE;
    reader.abandon?.();
    this.wake();
    if (this.readers.size === 0 && !this.exhausted && !this.failure) {
      this.exhausted = true;
      await this.source.return?.();
    }
    return DONE;
  }
}
