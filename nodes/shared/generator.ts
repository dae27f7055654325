import { timeoutError } from './user-code';

export interface DrainOptions {
  /** Called with every yielded value and with the returned value, in order. */
  emit(value: unknown): void;
  /** Runs one synchronous step of the generator (e.g. under a `vm` timeout). */
  step<T>(fn: () => T): T;
  /** Time (ms) the whole generator may take; 0: no limit. */
  timeoutMs: number;
  /** Checked before every step: a true result stops the generator quietly (e.g. the node is closing). */
  stopped(): boolean;
}

/**
 * Run an async generator to its end, emitting what it yields and returns.
 * A generator that outlives `timeoutMs` is asked to return and the promise
 * rejects with a timeout error; values it produces after that are dropped.
 */
export async function drain(generator: AsyncGenerator<unknown, unknown, unknown>, options: DrainOptions): Promise<void> {
  const deadline = options.timeoutMs > 0 ? Date.now() + options.timeoutMs : Infinity;
  for (;;) {
    if (options.stopped()) {
      abandon(generator);
      return;
    }
    const pending = options.step(() => generator.next());
    const result = await beforeDeadline(pending, deadline, options.timeoutMs, () => abandon(generator));
    options.emit(result.value);
    if (result.done) return;
  }
}

function beforeDeadline<T>(pending: Promise<T>, deadline: number, timeoutMs: number, onTimeout: () => void): Promise<T> {
  if (deadline === Infinity) return pending;
  pending.catch(() => undefined); // it may still reject after the deadline
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(timeoutError(timeoutMs));
    }, Math.max(0, deadline - Date.now()));
  });
  return Promise.race([pending, expired]).finally(() => clearTimeout(timer));
}

function abandon(generator: AsyncGenerator<unknown, unknown, unknown>): void {
  generator.return(undefined).catch(() => undefined);
}
