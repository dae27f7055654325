/** Offsets by partition, as a checkpoint keeps them: `{ [partition]: offset }`. */
export type PartitionOffsets = Record<string, number>;

/**
 * The dependent's state of one message: `{ [partition]: offset }` when the
 * message has both (as slipstream-topic-in emits them), else `{}`.
 */
export function partitionState(msg: { partition?: unknown; offset?: unknown }): PartitionOffsets {
  const partition = msg.partition;
  const offset = toOffset(msg.offset);
  if (partition === undefined || partition === null || offset === undefined) return {};
  return { [String(partition)]: offset };
}

/**
 * Where to seek back to when several states were remembered (one per
 * dependency that went down): per partition, the lowest offset, so nothing
 * processed during any downtime is skipped. Entries that are not numbers
 * (a custom state) are left out.
 */
export function earliestOffsets(states: Array<Record<string, unknown> | null | undefined>): PartitionOffsets {
  const out: PartitionOffsets = {};
  for (const state of states) {
    for (const [partition, value] of Object.entries(state ?? {})) {
      const offset = toOffset(value);
      if (offset === undefined) continue;
      if (!(partition in out) || offset < out[partition]) out[partition] = offset;
    }
  }
  return out;
}

/** A number, or a numeric string (Kafka offsets are often strings). */
function toOffset(value: unknown): number | undefined {
  const offset = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  return Number.isFinite(offset) ? offset : undefined;
}
