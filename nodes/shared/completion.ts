/**
 * Knows when a message sent into a flow is finished: every delivery of it to
 * a node is counted, every completion (the node called `done()`) subtracts
 * one, and when none is outstanding the message's callback runs once, with
 * the first error any node completed it with (`done(err)`). A
 * message identified by id, as Node-RED's `_msgid` survives cloning.
 * Node-free: the node wires `delivered`/`completed` to the runtime's
 * `preDeliver` and `onComplete` hooks.
 */
export class CompletionTracker {
  private readonly open = new Map<string, { outstanding: number; error?: Error; settle: (error?: Error) => void }>();

  get size(): number {
    return this.open.size;
  }

  /** Start tracking `id`; `settle` runs once nothing is outstanding any more. */
  track(id: string, settle: (error?: Error) => void): void {
    this.open.set(id, { outstanding: 0, settle });
  }

  delivered(id: string): void {
    const entry = this.open.get(id);
    if (entry) entry.outstanding++;
  }

  completed(id: string, error?: Error): void {
    const entry = this.open.get(id);
    if (!entry) return;
    if (error) entry.error ??= error;
    entry.outstanding--;
    if (entry.outstanding <= 0) this.settle(id);
  }

  /** Settle `id` if no delivery is outstanding (call it right after sending: a message wired nowhere is done). */
  settleIfIdle(id: string): void {
    const entry = this.open.get(id);
    if (entry && entry.outstanding <= 0) this.settle(id);
  }

  /** Forget every message still tracked without settling them (the node closes; they are redelivered later); returns their ids. */
  clear(): string[] {
    const ids = [...this.open.keys()];
    this.open.clear();
    return ids;
  }

  private settle(id: string): void {
    const entry = this.open.get(id);
    this.open.delete(id);
    entry?.settle(entry.error);
  }
}
