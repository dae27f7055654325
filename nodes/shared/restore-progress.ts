/** One partition's restore of one changelog, as the library reports it (`TopicOptions.onRestore`). */
export interface PartitionRestore {
  changelog: string;
  partition: number;
  restored: number;
  total: number;
  done: boolean;
}

/**
 * How far the restores of a topic-in's partitions have come, together: the
 * changelog records restored of all those to restore, over the restores
 * running since the last time none was running (one that finishes still
 * counts until all have, so the percentage never goes back because one ended).
 */
export class RestoreProgress {
  private readonly restores = new Map<string, PartitionRestore>();

  /** Take a report; the percentage restored (0–100, whole) while restores run, undefined once every one is done. */
  update(report: PartitionRestore): number | undefined {
    this.restores.set(`${report.partition}:${report.changelog}`, report);
    const all = [...this.restores.values()];
    if (all.every((r) => r.done)) {
      this.restores.clear();
      return undefined;
    }
    const total = all.reduce((sum, r) => sum + r.total, 0);
    const restored = all.reduce((sum, r) => sum + (r.done ? r.total : Math.min(r.restored, r.total)), 0);
    return total === 0 ? 0 : Math.floor((100 * restored) / total);
  }

  /** Forget every restore (the consumer stopped). */
  clear(): void {
    this.restores.clear();
  }
}
