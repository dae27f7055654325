/** Wakes everyone waiting when something changed. */
export class Notifier {
  private waiters: Array<() => void> = [];

  notify(): void {
    if (this.waiters.length === 0) return;
    // Take them all out first: a woken waiter must not change the list being walked.
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  /**
   * Resolves on the next `notify()`, or after `ms` when given, whichever
   * comes first. Without `ms` no timer is made (the per-record path waits
   * this way: a timer per wait was a measurable cost).
   */
  wait(ms?: number): Promise<void> {
    if (ms === undefined) return new Promise((resolve) => this.waiters.push(resolve));
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
