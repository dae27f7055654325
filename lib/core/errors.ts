import { inspect } from 'node:util';

/** Renders a thrown value for an error message. */
export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : inspect(error);
}

/**
 * An error raised while a stream runs, saying where it happened; the original
 * error is kept as `cause`.
 */
export class StreamError extends Error {
  /** Name of the handler that failed or whose source failed, if any. */
  readonly handler: string | undefined;
  /** Key (`Conf.iterableKey`) of the source being iterated, if any. */
  readonly source: string | undefined;

  constructor(message: string, options: { cause: unknown; handler?: string; source?: string }) {
    super(`${message}: ${describeError(options.cause)}`, { cause: options.cause });
    this.name = 'StreamError';
    this.handler = options.handler;
    this.source = options.source;
  }
}

/** Reports an error that cannot be thrown because another one already is. */
export function warnSecondary(error: unknown): void {
  process.emitWarning(error instanceof Error ? error : new Error(inspect(error)));
}
