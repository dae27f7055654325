import { formatDuration } from './duration';

export interface LongRunningOptions {
  /** Running this long (ms) makes a message a long-running one. */
  afterMs: number;
  /** How often (ms) the running time is shown again after that. */
  everyMs: number;
  /** Show that the message has been running for `text` (e.g. `45 s`). */
  show(text: string): void;
  /** The message finished after `show` was called: take the notice down. */
  clear(): void;
}

/**
 * Watch one message from now: after `afterMs` and every `everyMs` after that
 * `show` gets how long it has been running. Call the returned function when
 * the message finishes (again: nothing happens); it calls `clear` if anything was shown.
 */
export function watchLongRunning({ afterMs, everyMs, show, clear }: LongRunningOptions): () => void {
  const started = Date.now();
  let shown = false;
  let interval: NodeJS.Timeout | undefined;
  const tick = (): void => {
    shown = true;
    show(formatDuration(Date.now() - started));
  };
  const timer = setTimeout(() => {
    tick();
    interval = setInterval(tick, everyMs);
  }, afterMs);
  return () => {
    clearTimeout(timer);
    clearInterval(interval);
    if (shown) clear();
    shown = false; // stopping again clears nothing
  };
}
