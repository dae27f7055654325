// Waiting in tests: for a while, or until something holds.

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Resolves once `check()` holds (it may be async: a broker or a disk to
 * ask), asking every `every` ms; rejects after `ms`, naming `what` when
 * given (a function: what to say when the time is up, e.g. the last state seen).
 */
export async function waitFor(check: () => boolean | Promise<boolean>, ms = 10_000, what?: string | (() => string), every = 10): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) {
      const waitingFor = typeof what === 'function' ? what() : what;
      throw new Error(waitingFor ? `timed out after ${ms} ms waiting for ${waitingFor}` : 'timed out waiting');
    }
    await sleep(every);
  }
}
