import { AsyncSynchronizedGenerator } from '../utils/synchronized';
import { StreamError, warnSecondary } from './errors';
import { PausableStream } from './pausable';

/** Keyword arguments given to `stream(kwargs)`, passed to every handler. */
export type Kwargs = Record<string, unknown>;

/**
 * Transforms a handler's copy of its source, e.g. a pairwise or filter step.
 * (`never` lets pipes typed for any message type be passed.)
 */
export type Pipe = (source: AsyncIterable<never>) => AsyncIterable<unknown>;

/** A handler as registered with `Conf`: called once per message. */
export type Handler = (msg: never, kwargs: never) => unknown;

export type ExitHook = () => unknown;

interface Registration {
  handler: Handler;
  pipes: Pipe[];
}

interface Run {
  key: string;
  name: string;
  handler: (msg: unknown, kwargs: Kwargs) => unknown;
  /** The handler's synchronized copy of its source, detached to stop the run. */
  copy: AsyncIterableIterator<unknown>;
  /** The copy after the handler's pipes. */
  messages: AsyncIterable<unknown>;
}

const sourceKeys = new WeakMap<object, string>();
let lastSourceId = 0;

function label(source: object): string {
  const ctor = (source as { constructor?: unknown }).constructor;
  // Async generator objects inherit a non-function `constructor`; fall back to their tag.
  return typeof ctor === 'function' && ctor.name ? ctor.name : Object.prototype.toString.call(source).slice(8, -1);
}

function nameOf(fn: { name: string }): string {
  return fn.name || 'anonymous';
}

/**
 * The application's configuration and registry, a process-wide singleton:
 * `new Conf(conf?)` merges `conf` into `.conf` and returns the one instance.
 */
export class Conf {
  private static shared: Conf | undefined;

  readonly conf: Record<string, unknown> = {};
  /** Registered sources, each wrapped so it can be paused. */
  readonly iterables = new Map<string, PausableStream>();
  private readonly handlers = new Map<string, Registration[]>();
  private readonly hooks = new Set<ExitHook>();

  constructor(conf?: Record<string, unknown>) {
    const self = Conf.shared ?? (Conf.shared = this);
    if (conf) Object.assign(self.conf, conf);
    return self;
  }

  /** Forget every registration and all configuration (for tests). */
  static reset(): void {
    const conf = new Conf();
    for (const key of Object.keys(conf.conf)) delete conf.conf[key];
    conf.iterables.clear();
    conf.handlers.clear();
    conf.hooks.clear();
  }

  /** A key for `source` that stays the same for the same object, e.g. `"AsyncGenerator#3"`. */
  iterableKey(source: object): string {
    let key = sourceKeys.get(source);
    if (key === undefined) sourceKeys.set(source, (key = `${label(source)}#${++lastSourceId}`));
    return key;
  }

  /** Register a source under `key`; a key already registered keeps its first source. */
  registerIterable(key: string, source: AsyncIterable<unknown>): void {
    if (!this.iterables.has(key)) this.iterables.set(key, new PausableStream(source));
  }

  registerHandler(key: string, handler: Handler, ...pipe: Pipe[]): void {
    let registrations = this.handlers.get(key);
    if (!registrations) this.handlers.set(key, (registrations = []));
    registrations.push({ handler, pipes: pipe });
  }

  /** Add a hook to run when `start()` ends; a hook registered twice runs once. */
  registerExitHook(hook: ExitHook): void {
    this.hooks.add(hook);
  }

  /** The registered exit hooks, in registration order. */
  get exitHooks(): ReadonlySet<ExitHook> {
    return this.hooks;
  }

  /**
   * Run every registered source through its handlers until all sources are
   * exhausted. Sources run concurrently; each source feeds each of its
   * handlers a synchronized copy (with the handler's pipes applied), so every
   * handler sees every message and the slowest sets the pace. A source
   * without handlers is not iterated.
   *
   * The first error (from a handler, a pipe or a source) stops every source —
   * their copies are detached and the sources closed with `return()` — then the
   * exit hooks run, and the error is thrown as a `StreamError` naming the
   * handler, with the original as `cause`. Exit hooks run once, in
   * registration order, whether or not there was an error. Errors that come
   * after the first are emitted as process warnings.
   */
  async start(kwargs: Kwargs = {}): Promise<void> {
    let failure: unknown;
    const fail = (error: unknown): void => {
      if (failure === undefined) failure = error;
      else warnSecondary(error);
    };
    try {
      // Every source iterator is obtained before any handler runs, so a source
      // that subscribes on iteration (a Proxy) misses nothing produced here.
      const runs = this.prepareRuns();
      const stopAll = (error: unknown): void => {
        fail(error);
        for (const run of runs) run.copy.return?.().catch(warnSecondary);
      };
      await Promise.all(runs.map((run) => this.consume(run, kwargs).catch(stopAll)));
    } catch (error) {
      fail(error);
    }
    for (const hook of this.hooks) {
      try {
        await hook();
      } catch (cause) {
        fail(new StreamError(`Exit hook "${nameOf(hook)}" failed`, { cause }));
      }
    }
    if (failure !== undefined) throw failure;
  }

  private prepareRuns(): Run[] {
    const runs: Run[] = [];
    for (const [key, stream] of this.iterables) {
      const registrations = this.handlers.get(key) ?? [];
      if (registrations.length === 0) continue;
      const shared = new AsyncSynchronizedGenerator(stream.iterable);
      for (const { handler, pipes } of registrations) {
        const copy = shared.copy();
        const messages = pipes.reduce<AsyncIterable<unknown>>((it, pipe) => pipe(it as AsyncIterable<never>), copy);
        runs.push({ key, name: nameOf(handler), handler: handler as Run['handler'], copy, messages });
      }
    }
    return runs;
  }

  private async consume(run: Run, kwargs: Kwargs): Promise<void> {
    let handlerFailed = false;
    try {
      for await (const msg of run.messages) {
        try {
          await run.handler(msg, kwargs);
        } catch (error) {
          handlerFailed = true;
          throw error;
        }
      }
    } catch (cause) {
      const where = handlerFailed ? `Handler "${run.name}" failed` : `Source "${run.key}" of handler "${run.name}" failed`;
      throw new StreamError(where, { cause, handler: run.name, source: run.key });
    }
  }
}
