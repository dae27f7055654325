/** Timer functions for user code: the node clears what is left when it closes. */
export interface SandboxTimers {
  setTimeout(fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]): NodeJS.Timeout;
  clearTimeout(timer: NodeJS.Timeout | undefined): void;
  setInterval(fn: (...args: unknown[]) => void, ms?: number, ...args: unknown[]): NodeJS.Timeout;
  clearInterval(timer: NodeJS.Timeout | undefined): void;
  /** Clear every pending timer and interval. */
  clearAll(): void;
}

/** As Node-RED's function node: an error thrown by a timer callback goes to `onError`, not the process. */
export function sandboxTimers(onError: (err: unknown) => void): SandboxTimers {
  const pending = new Set<NodeJS.Timeout>();
  const guarded =
    (fn: (...args: unknown[]) => void, once: () => void) =>
    (...args: unknown[]): void => {
      once();
      try {
        fn(...args);
      } catch (err) {
        onError(err);
      }
    };
  const forget = (timer: NodeJS.Timeout | undefined): void => {
    if (timer === undefined) return;
    clearTimeout(timer);
    pending.delete(timer);
  };
  return {
    setTimeout(fn, ms, ...args) {
      const timer: NodeJS.Timeout = setTimeout(guarded(fn, () => pending.delete(timer)), ms, ...args);
      pending.add(timer);
      return timer;
    },
    clearTimeout: forget,
    setInterval(fn, ms, ...args) {
      const timer = setInterval(guarded(fn, () => undefined), ms, ...args);
      pending.add(timer);
      return timer;
    },
    clearInterval: forget,
    clearAll() {
      for (const timer of pending) clearTimeout(timer);
      pending.clear();
    },
  };
}
