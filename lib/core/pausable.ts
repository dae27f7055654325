import { NOTHING_NOW, ON_SIGNAL, type SignalledSource, TAKE_NOW, takeNow } from '../interfaces';
import { Signal } from '../utils/signal';

export interface PausableStreamOptions {
  /**
   * While paused, how often (ms) an async-generator source is pulled again
   * with `Signal.PAUSE` after it answered `Signal.SENTINEL`. Default 100.
   */
  pausedPollMs?: number;
}

function isAsyncGenerator(x: object): x is AsyncGenerator<unknown, unknown, unknown> {
  return Object.prototype.toString.call(x) === '[object AsyncGenerator]';
}

/**
 * Wraps a source so it can be paused and resumed with signals.
 *
 * Only `Signal.PAUSE` pauses and only `Signal.RESUME` resumes; any other signal
 * is stored in `.signal` but does not change `.running`. (The seed resumes on
 * any non-PAUSE value; here `STOP` or `SENTINEL` must not resume a paused stream.)
 *
 * When the source's iterator is an async generator (an async generator object,
 * or an iterable such as `Topic` whose `[Symbol.asyncIterator]()` returns one),
 * every pull is `next(signal)`, so the generator sees the current signal and
 * can react (a `Topic` pauses its consumer). While paused, the generator is
 * pulled again every `pausedPollMs` so it can keep answering `Signal.SENTINEL`
 * without a busy loop. Any other source is simply not pulled while paused.
 * A `Signal.SENTINEL` from any source means "no value" and is skipped.
 *
 * Either way, a value obtained while paused is held until resume: pause blocks
 * delivery. A new signal reaches a generator on its next pull, not during a
 * pull that is already waiting.
 */
export class PausableStream<T = unknown> {
  /** The last signal sent; `undefined` until one is sent. */
  signal: Signal | undefined;
  running = true;
  /** The paused view of the source, to iterate instead of the source. */
  readonly iterable: AsyncIterable<T>;
  private readonly pausedPollMs: number;
  private readonly resumeWaiters = new Set<() => void>();

  constructor(
    /** The wrapped source. */
    readonly source: AsyncIterable<T | Signal>,
    options: PausableStreamOptions = {},
  ) {
    this.pausedPollMs = options.pausedPollMs ?? 100;
    this.iterable = { [Symbol.asyncIterator]: () => this.iterate(source) };
  }

  sendSignal(signal: Signal): void {
    this.signal = signal;
    const tell = (this.source as Partial<SignalledSource>)[ON_SIGNAL];
    if (signal === Signal.PAUSE) {
      this.running = false;
      tell?.call(this.source, 'pause');
    } else if (signal === Signal.RESUME && !this.running) {
      this.running = true;
      tell?.call(this.source, 'resume');
      for (const wake of this.resumeWaiters) wake();
    }
  }

  /** Resolves at once while running, else on resume. */
  whenRunning(): Promise<void> {
    return this.running ? Promise.resolve() : this.untilResumed().then(() => this.whenRunning());
  }

  /** Hand-written (not an async generator) so the source iterator is obtained at once. */
  private iterate(source: AsyncIterable<T | Signal>): AsyncIterator<T> & { [TAKE_NOW](): T | typeof NOTHING_NOW } {
    const iterator = source[Symbol.asyncIterator]();
    const generator = isAsyncGenerator(iterator) ? iterator : undefined;
    return {
      // While running, a source that takes without waiting (a Topic: told of signals at once) is taken from directly.
      [TAKE_NOW]: (): T | typeof NOTHING_NOW => (this.running ? takeNow<T>(source) : NOTHING_NOW),
      next: async (): Promise<IteratorResult<T>> => {
        for (;;) {
          if (!generator) while (!this.running) await this.untilResumed();
          const result = generator ? await generator.next(this.signal) : await iterator.next();
          if (result.done) return { done: true, value: undefined };
          if (result.value === Signal.SENTINEL) {
            // Nothing to deliver: ask again, at a modest pace while paused.
            if (this.running) await new Promise<void>((resolve) => setImmediate(resolve));
            else await this.untilResumed(this.pausedPollMs);
            continue;
          }
          while (!this.running) await this.untilResumed();
          return { done: false, value: result.value as T };
        }
      },
      return: async (): Promise<IteratorResult<T>> => {
        await iterator.return?.();
        return { done: true, value: undefined };
      },
    };
  }

  /** Resolves on resume, or after `timeoutMs` when given. */
  private untilResumed(timeoutMs?: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.resumeWaiters.delete(wake);
        resolve();
      };
      this.resumeWaiters.add(wake);
      const timer = timeoutMs === undefined ? undefined : setTimeout(wake, timeoutMs);
    });
  }
}
