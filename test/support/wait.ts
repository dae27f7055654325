// Waiting in tests: for a while, or until something holds.

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves once `check()` holds; rejects after `ms`, naming `what` when given. */
export function waitFor(check: () => boolean, ms = 10_000, what?: string): Promise<void> {
  const deadline = Date.now() + ms;
  return new Promise((resolve, reject) => {
    const tick = (): void => {
      if (check()) resolve();
      else if (Date.now() > deadline) reject(new Error(what ? `timed out after ${ms} ms waiting for ${what}` : 'timed out waiting'));
      else setTimeout(tick, 10);
    };
    tick();
  });
}
