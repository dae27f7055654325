import { inspect } from 'node:util';
import { DEFERRED_SINK, isDeferredSink, isKeyedSink, type KeyedSink } from '../interfaces';

/** A sink that takes the whole output (`never`: accepts functions typed for any output). */
export type FunctionSink = (output: never) => unknown;

/** Where a handler's outputs go: a function, or a keyed sink (`Topic`, `ICache`) taking `[key, value]`. */
export type Sink = FunctionSink | KeyedSink;

export function isPromiseLike(x: unknown): x is PromiseLike<unknown> {
  return typeof (x as PromiseLike<unknown> | null)?.then === 'function';
}

/** Acknowledgements of outputs that deferred sinks accepted while handling one message. */
export type Acks = Promise<void>[];

/**
 * A wrapped handler's run that does not wait for deferred sinks: it resolves
 * with their acknowledgements, which `stream()` hands to the source's ledger.
 */
export const RUN_DEFERRED: unique symbol = Symbol('slipstream.runDeferred');
export type DeferredRun = (msg: unknown, kwargs: Record<string, unknown>) => Promise<Acks>;

type Deliver = (output: unknown, acks: Acks) => unknown;

/**
 * Returns a function that sends one output to every sink, one after another
 * in order, awaiting sinks that return a promise. `undefined` and `null` are
 * not sent. A deferred sink (`Topic`) is awaited until the output is queued,
 * not acknowledged: its acknowledgement is pushed to `acks`, for the caller
 * to wait for or to hand to the source's ledger. When a keyed sink is
 * present, an output that is not a `[key, value]` pair is rejected before any
 * sink sees it. Returns a promise only when a sink did (the common
 * all-synchronous case stays cheap).
 */
export function sinkAll(sinks: readonly Sink[], handlerName: string): (output: unknown, acks: Acks) => void | Promise<void> {
  const keyed = sinks.some(isKeyedSink);
  const deliveries: Deliver[] = sinks.map((sink) =>
    isDeferredSink(sink)
      ? (pair, acks) => {
          const accepted = sink[DEFERRED_SINK](...(pair as [unknown, unknown]));
          if (isPromiseLike(accepted)) return accepted.then(({ acked }) => void acks.push(acked));
          acks.push(accepted.acked);
        }
      : isKeyedSink(sink)
        ? (pair) => sink(...(pair as [unknown, unknown]))
        : (sink as (output: unknown) => unknown),
  );
  const finish = async (pending: PromiseLike<unknown>, next: number, output: unknown, acks: Acks): Promise<void> => {
    await pending;
    for (let i = next; i < deliveries.length; i++) await deliveries[i](output, acks);
  };
  return (output, acks) => {
    if (output === undefined || output === null) return;
    if (keyed && !(Array.isArray(output) && output.length === 2)) {
      throw new TypeError(`Sink expects: [key, value] in ${handlerName}, got: ${inspect(output)}`);
    }
    for (let i = 0; i < deliveries.length; i++) {
      const result = deliveries[i](output, acks);
      if (isPromiseLike(result)) return finish(result, i + 1, output, acks);
    }
  };
}
