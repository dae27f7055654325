import { EXIT_HOOK, hasExitHook } from '../interfaces';
import { type Concurrency, Conf, type Handler, type Kwargs, type Pipe } from './conf';
import { type Acks, type DeferredRun, isPromiseLike, RUN_DEFERRED, sinkAll, type Sink } from './sink';

export interface HandleOptions {
  /** Applied in order to the handler's copy of each source. */
  pipe?: Pipe[];
  /** Every output of the handler goes to every sink, in this order. */
  sink?: Sink[];
  /**
   * For sources with partitions (a `Topic`): `partition` (default) handles
   * each partition's records in order and different partitions' records
   * concurrently, so every key's records stay in order; `sequential` handles
   * one record at a time, as the Python original does.
   */
  concurrency?: Concurrency;
}

/**
 * A user handler: `(msg, kwargs) => output`. The output may be a value, a
 * promise, a generator or an async generator. (`never` parameters accept
 * handlers typed for any message and kwargs.)
 */
export type UserHandler = (msg: never, kwargs: never) => unknown;

/** The wrapped handler `handle` returns: runs the user handler and sinks its outputs. */
export type WrappedHandler = (msg?: unknown, kwargs?: Kwargs) => Promise<void>;

const OPTION_NAMES = new Set(['pipe', 'sink', 'concurrency']);
const CONCURRENCIES = new Set(['partition', 'sequential']);

function isAsyncIterable(x: unknown): x is AsyncIterable<unknown> {
  return x != null && typeof (x as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function';
}

function tag(x: unknown): string {
  return typeof x === 'object' && x !== null ? Object.prototype.toString.call(x) : '';
}

function parseArguments(args: Array<AsyncIterable<unknown> | HandleOptions>): {
  sources: AsyncIterable<unknown>[];
  options: HandleOptions;
} {
  const last = args[args.length - 1];
  const options: HandleOptions = last !== undefined && !isAsyncIterable(last) ? (args.pop() as HandleOptions) : {};
  const sources = args.map((source, i) => {
    if (!isAsyncIterable(source)) throw new TypeError(`handle(): argument ${i + 1} is not an async iterable source`);
    return source;
  });
  if (typeof options !== 'object' || options === null) throw new TypeError('handle(): options must be an object');
  const unknown = Object.keys(options).filter((name) => !OPTION_NAMES.has(name));
  if (unknown.length) throw new TypeError(`handle(): unknown option(s) ${unknown.join(', ')} (expected pipe, sink, concurrency)`);
  if (options.concurrency !== undefined && !CONCURRENCIES.has(options.concurrency)) {
    throw new TypeError(`handle(): option "concurrency" must be "partition" or "sequential", got: ${String(options.concurrency)}`);
  }
  for (const name of ['pipe', 'sink'] as const) {
    const list = options[name];
    if (list === undefined) continue;
    if (!Array.isArray(list) || !list.every((f) => typeof f === 'function')) {
      throw new TypeError(`handle(): option "${name}" must be an array of functions`);
    }
  }
  return { sources, options };
}

/**
 * Binds sources and sinks to a handler:
 *
 *     handle(messages(), { sink: [console.log] })(function* greet(msg) {
 *       yield `Hello ${msg}!`;
 *     });
 *
 * The last argument is the options object when it is not async-iterable (an
 * `ICache` is a function that is async-iterable: a source). Every source is
 * registered with `Conf`; the returned wrapped handler is registered for each
 * and can also be called directly. The exit hooks of sources and sinks that
 * have one (`EXIT_HOOK`: a `Topic`) are registered with `Conf`, so `stream()`
 * closes them when it ends.
 *
 * Outputs: each value a generator or async generator yields goes to every
 * sink, in order; any other return value (awaited if a promise) goes to every
 * sink once. Strings and arrays are outputs, not iterated. `undefined` and
 * `null` are not sunk. The wrapped handler resolves only after all outputs
 * of the message are sunk (and acknowledged, for a Topic sink), so the next
 * message waits for them. Under `stream()` a Topic sink's acknowledgement is
 * not waited for: it goes to the source's commit ledger instead.
 */
export function handle(...args: Array<AsyncIterable<unknown> | HandleOptions>): (fn: UserHandler) => WrappedHandler {
  const { sources, options } = parseArguments(args);
  return (fn) => {
    const name = fn.name || 'anonymous';
    const sink = sinkAll(options.sink ?? [], name);
    const call = fn as (msg: unknown, kwargs: Kwargs) => unknown;
    const iterate = async (output: unknown, acks: Acks): Promise<void> => {
      if (tag(output) === '[object AsyncGenerator]') for await (const value of output as AsyncGenerator) await sink(value, acks);
      else for (const value of output as Generator) await sink(value, acks);
    };
    /**
     * Sink what the handler returned for one message. Not an async function:
     * an async handler's result is sunk in one reaction, and a synchronous
     * one's at once (the per-record path). Throws what a sink throws
     * synchronously.
     */
    const sinkOutput = (output: unknown, acks: Acks): void | Promise<void> => {
      if (output instanceof Promise) return output.then((value) => sink(value, acks));
      const kind = tag(output);
      if (kind === '[object AsyncGenerator]' || kind === '[object Generator]') return iterate(output, acks);
      if (isPromiseLike(output)) return Promise.resolve(output).then((value) => sink(value, acks));
      return sink(output, acks);
    };
    // Called directly, the handler also waits for what deferred sinks (a Topic) still owe.
    const wrapped: WrappedHandler = async (msg, kwargs = {}) => {
      const acks: Acks = [];
      await sinkOutput(call(msg, kwargs), acks);
      if (acks.length > 0) await Promise.all(acks);
    };
    const deferred: DeferredRun = (msg, kwargs) => {
      const acks: Acks = [];
      try {
        const output = call(msg, kwargs);
        // An async handler's output is sunk and its acks given in one reaction (the per-record path).
        if (output instanceof Promise) {
          return output.then((value) => {
            const sinking = sink(value, acks);
            return sinking ? sinking.then(() => acks) : acks;
          });
        }
        const running = sinkOutput(output, acks);
        return running ? running.then(() => acks) : Promise.resolve(acks);
      } catch (err) {
        return Promise.reject(err);
      }
    };
    Object.defineProperty(wrapped, RUN_DEFERRED, { value: deferred });
    Object.defineProperty(wrapped, 'name', { value: name });
    const conf = new Conf();
    for (const source of sources) {
      const key = conf.iterableKey(source);
      conf.registerIterable(key, source);
      conf.registerHandlerWith(key, wrapped as Handler, { pipes: options.pipe, concurrency: options.concurrency });
    }
    // Sources and sinks that hold connections (a Topic) are closed when the stream ends.
    for (const resource of [...sources, ...(options.sink ?? [])]) {
      if (hasExitHook(resource)) conf.registerExitHook(resource[EXIT_HOOK]);
    }
    return wrapped;
  };
}

/** Run every registered source and handler: `new Conf().start(kwargs)`. */
export function stream(kwargs?: Kwargs): Promise<void> {
  return new Conf().start(kwargs);
}
