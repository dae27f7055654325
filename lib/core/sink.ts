import { inspect } from 'node:util';
import { DEFERRED_SINK, isDeferredSink, isKeyedSink, type KeyedSink } from '../interfaces';

/** A sink that takes the whole output (`never`: accepts functions typed for any output). */
export type FunctionSink = (output: never) => unknown;

/** Where a handler's outputs go: a function, or a keyed sink (`Topic`, `ICache`) taking `[key, value]`. */
export type Sink = FunctionSink | KeyedSink;

type Deliver = (output: unknown) => unknown;

export function isPromiseLike(x: unknown): x is PromiseLike<unknown> {
  return typeof (x as PromiseLike<unknown> | null)?.then === 'function';
}

/**
 * Returns a function that sends one output to every sink, one after another
 * in order, awaiting sinks that return a promise. `undefined` and `null` are
 * not sent. A deferred sink (`Topic`) is awaited until the output is queued,
 * not acknowledged: see `DEFERRED_SINK`. When a keyed sink is present, an output that is not a
 * `[key, value]` pair is rejected before any sink sees it. Returns a promise
 * only when a sink did (the common all-synchronous case stays cheap).
 */
export function sinkAll(sinks: readonly Sink[], handlerName: string): (output: unknown) => void | Promise<void> {
  const keyed = sinks.some(isKeyedSink);
  // A deferred sink (a Topic) only queues the output; it makes the source wait for the acknowledgement before committing.
  const deliveries: Deliver[] = sinks.map((sink) =>
    isDeferredSink(sink)
      ? (pair) => sink[DEFERRED_SINK](...(pair as [unknown, unknown]))
      : isKeyedSink(sink)
        ? (pair) => sink(...(pair as [unknown, unknown]))
        : (sink as Deliver),
  );
  const finish = async (pending: PromiseLike<unknown>, next: number, output: unknown): Promise<void> => {
    await pending;
    for (let i = next; i < deliveries.length; i++) await deliveries[i](output);
  };
  return (output) => {
    if (output === undefined || output === null) return;
    if (keyed && !(Array.isArray(output) && output.length === 2)) {
      throw new TypeError(`Sink expects: [key, value] in ${handlerName}, got: ${inspect(output)}`);
    }
    for (let i = 0; i < deliveries.length; i++) {
      const result = deliveries[i](output);
      if (isPromiseLike(result)) return finish(result, i + 1, output);
    }
  };
}
