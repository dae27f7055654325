/** Why a cache directory could not be opened (read by field, e.g. for a node status). */
export type CacheOpenProblem = 'locked' | 'not-writable' | 'no-database' | 'timeout' | 'failed';

/**
 * A cache could not open its RocksDB directory: `path`, what went wrong
 * (`problem`), and `locked` when another process holds the directory (only
 * one may open it for writing; a `readOnly` cache can follow it).
 */
export class CacheOpenError extends Error {
  override readonly name = 'CacheOpenError';
  readonly locked: boolean;

  constructor(
    readonly path: string,
    readonly problem: CacheOpenProblem,
    detail: string,
    cause?: unknown,
  ) {
    super(`Cannot open cache at ${path}${problem === 'no-database' ? ' read-only' : ''}: ${detail}`, cause === undefined ? undefined : { cause });
    this.locked = problem === 'locked';
  }
}
