/** Units of durations entered in the editor. */
export type DurationUnit = 'ms' | 's' | 'min' | 'h';

const UNIT_MS: Record<DurationUnit, number> = { ms: 1, s: 1_000, min: 60_000, h: 3_600_000 };

/** `amount` of `unit` in ms; a RangeError for anything but a number >= 0 and a known unit. */
export function toMillis(amount: unknown, unit: unknown): number {
  const value = typeof amount === 'string' && amount.trim() !== '' ? Number(amount) : amount;
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
    throw new RangeError(`a duration must be a number >= 0, got: ${JSON.stringify(amount)}`);
  }
  if (typeof unit !== 'string' || !(unit in UNIT_MS)) {
    throw new RangeError(`unknown duration unit ${JSON.stringify(unit)} (expected ms, s, min or h)`);
  }
  return value * UNIT_MS[unit as DurationUnit];
}

/** A short human duration for node status: `250 ms`, `45 s`, `30 min`, `2 h 5 min`. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${Math.round(ms / 1_000)} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  const hours = Math.floor(ms / 3_600_000);
  const minutes = Math.round((ms % 3_600_000) / 60_000);
  return minutes === 0 ? `${hours} h` : `${hours} h ${minutes} min`;
}
