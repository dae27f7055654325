/** Wakes everyone waiting when something changed; waits are bounded. */
export class Notifier {
  private readonly waiters: Array<() => void> = [];

  notify(): void {
    // Take them all out first: a woken waiter must not change the list being walked.
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Resolves on the next `notify()` or after `ms`, whichever comes first. */
  wait(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        const i = this.waiters.indexOf(done);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.push(done);
    });
  }
}
