/**
 * Offsets handed out but not yet finished, per partition. A partition's
 * committable position is the offset after the longest run of finished
 * records from the start, so nothing unfinished is ever committed, even when
 * records finish out of order.
 */
export class InFlight {
  private readonly pending = new Map<number, Set<number>>();
  private readonly finished = new Map<number, Set<number>>();
  private size = 0;

  get count(): number {
    return this.size;
  }

  add(partition: number, offset: number): void {
    this.setOf(this.pending, partition).add(offset);
    this.size++;
  }

  has(partition: number, offset: number): boolean {
    return this.pending.get(partition)?.has(offset) ?? false;
  }

  countFor(partition: number): number {
    return this.pending.get(partition)?.size ?? 0;
  }

  /**
   * Mark a record finished. Returns the highest offset that can now be
   * resolved for its partition (every earlier record handed out is finished),
   * or undefined when an earlier record is still pending.
   */
  finish(partition: number, offset: number): number | undefined {
    const pending = this.pending.get(partition);
    if (!pending?.delete(offset)) return undefined;
    this.size--;
    const finished = this.setOf(this.finished, partition);
    finished.add(offset);
    const oldestPending = pending.size > 0 ? Math.min(...pending) : Infinity;
    let resolvable: number | undefined;
    for (const done of finished) {
      if (done < oldestPending) {
        finished.delete(done);
        resolvable = resolvable === undefined ? done : Math.max(resolvable, done);
      }
    }
    return resolvable;
  }

  /** Forget a partition (revoked, or its position was moved by a seek). */
  clear(partition: number): void {
    this.size -= this.countFor(partition);
    this.pending.delete(partition);
    this.finished.delete(partition);
  }

  private setOf(map: Map<number, Set<number>>, partition: number): Set<number> {
    let set = map.get(partition);
    if (!set) map.set(partition, (set = new Set()));
    return set;
  }
}
