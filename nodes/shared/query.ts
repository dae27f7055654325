import type { Cache, IterateOptions } from '../../lib/cache';
import type { Key } from '../../lib/interfaces';

/** What a query reads: keys, values or `[key, value]` items. */
export type QueryKind = 'keys' | 'values' | 'items';

/** One entry of a query, whatever its kind. */
export interface QueryEntry {
  key: Key;
  value?: unknown;
}

/** Run a query to its end (bound it with `limit`): entries in iteration order. */
export async function runQuery(cache: Cache, kind: QueryKind, options: IterateOptions): Promise<QueryEntry[]> {
  const entries: QueryEntry[] = [];
  if (kind === 'keys') {
    for await (const key of cache.keys(options)) entries.push({ key });
  } else {
    for await (const [key, value] of cache.items(options)) entries.push({ key, value });
  }
  return entries;
}

/** The entries as one array: keys, values or `[key, value]` pairs. */
export function entriesArray(kind: QueryKind, entries: QueryEntry[]): unknown[] {
  if (kind === 'keys') return entries.map((entry) => entry.key);
  if (kind === 'values') return entries.map((entry) => entry.value);
  return entries.map((entry) => [entry.key, entry.value]);
}

/**
 * Iterate options from the node's settings: empty prefix or fromKey means
 * none; a limit <= 0 or blank means none.
 */
export function iterateOptions(settings: { prefix?: unknown; fromKey?: unknown; backwards?: boolean; limit?: unknown }): IterateOptions {
  const options: IterateOptions = {};
  if (isSet(settings.prefix)) options.prefix = settings.prefix as Key;
  if (isSet(settings.fromKey)) options.fromKey = settings.fromKey as Key;
  if (settings.backwards) options.backwards = true;
  const limit = Number(settings.limit);
  if (isSet(settings.limit) && Number.isInteger(limit) && limit > 0) options.limit = limit;
  return options;
}

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}
