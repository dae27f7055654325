// Errors as they cross between threads: structured cloning keeps only an
// error's message (and a standard name), not the fields callers read.

/** One error of a `cause` chain, outermost first, with the fields `isTransient` and `retryReason` read. */
export interface ErrorLink {
  name: string;
  message: string;
  retriable?: boolean;
  code?: string;
  type?: string;
}

export function toErrorChain(error: unknown): ErrorLink[] {
  const chain: ErrorLink[] = [];
  for (let e: unknown = error; e !== undefined && chain.length < 10; e = (e as { cause?: unknown }).cause) {
    const { name, message, retriable, code, type } = (e instanceof Error ? e : new Error(String(e))) as Error & Partial<ErrorLink>;
    chain.push({
      name,
      message,
      retriable: typeof retriable === 'boolean' ? retriable : undefined,
      code: typeof code === 'string' ? code : undefined,
      type: typeof type === 'string' ? type : undefined,
    });
    if (!(e instanceof Error)) break;
  }
  return chain;
}

/** The chain as errors again: same names, messages, `retriable`, `code` and `type`, linked by `cause`. */
export function fromErrorChain(chain: ErrorLink[]): Error {
  let cause: Error | undefined;
  for (const link of [...chain].reverse()) {
    const error = Object.assign(new Error(link.message, cause && { cause }), link);
    cause = error;
  }
  return cause ?? new Error('unknown error in a worker thread');
}
