import { Conf, type PausableStream } from '../../lib';
import type { Checkpoint, Dependency } from '../../lib/checkpoint';

/** 2025-01-01 at hh:mm UTC, as in the seed's docstring. */
export function at(hours: number, minutes = 0): Date {
  return new Date(Date.UTC(2025, 0, 1, hours, minutes));
}

export async function* emoji(): AsyncGenerator<string> {
  for (const e of '🏆📞🐟👌') yield e;
}

/** Registers `source` with Conf (as `handle` does) and returns its PausableStream. */
export function register(source: AsyncIterable<unknown>): PausableStream {
  const conf = new Conf();
  const key = conf.iterableKey(source);
  conf.registerIterable(key, source);
  return conf.iterables.get(key) as PausableStream;
}

export interface Call {
  checkpoint: Checkpoint;
  dependency: Dependency;
  /** What `observe` returned during the call. */
  observed: unknown;
}

/** A callback that records its calls, and what `observe()` returns while it runs. */
export function recorder(observe: () => unknown = () => undefined): ((checkpoint: Checkpoint, dependency: Dependency) => void) & {
  calls: Call[];
} {
  const calls: Call[] = [];
  const callback = (checkpoint: Checkpoint, dependency: Dependency): void => void calls.push({ checkpoint, dependency, observed: observe() });
  return Object.assign(callback, { calls });
}

export const tick = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
