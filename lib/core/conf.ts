import { isLedgerSource, type Ledger, LEDGER_SOURCE, NOTHING_NOW, takeNow } from '../interfaces';
import { AsyncSynchronizedGenerator } from '../utils/synchronized';
import { StreamError, warnSecondary } from './errors';
import { PausableStream } from './pausable';
import { type Acks, type DeferredRun, RUN_DEFERRED } from './sink';

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

/**
 * How a handler takes the messages of a source with a commit ledger (a
 * `Topic`): `partition` — one lane per partition, records of different
 * partitions handled concurrently and each partition's in order (so each
 * key's); `sequential` — one message at a time, as the Python original.
 */
export type Concurrency = 'partition' | 'sequential';

interface Registration {
  handler: Handler;
  pipes: Pipe[];
  concurrency: Concurrency;
}

interface Run {
  key: string;
  name: string;
  handler: (msg: unknown, kwargs: Kwargs) => unknown;
  /** The handler's synchronized copy of its source, detached to stop the run. */
  copy: AsyncIterableIterator<unknown>;
  /** The copy after the handler's pipes. */
  messages: AsyncIterable<unknown>;
  /** The source's ledger, when the source has one and this handler takes its messages unpiped. */
  ledger?: Ledger;
  concurrency: Concurrency;
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
    this.registerHandlerWith(key, handler, { pipes: pipe });
  }

  /** `registerHandler` with the handler's concurrency (default `partition`). */
  registerHandlerWith(key: string, handler: Handler, { pipes = [], concurrency = 'partition' }: { pipes?: Pipe[]; concurrency?: Concurrency }): void {
    let registrations = this.handlers.get(key);
    if (!registrations) this.handlers.set(key, (registrations = []));
    registrations.push({ handler, pipes, concurrency });
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
      // A message is finished once every handler is done with it; pipes may
      // transform messages, so then the source finishes them itself, on pull.
      const ledger = isLedgerSource(stream.source) && registrations.every((r) => r.pipes.length === 0)
        ? sharedLedger(stream.source[LEDGER_SOURCE](), registrations.length)
        : undefined;
      const shared = new AsyncSynchronizedGenerator(stream.iterable);
      for (const { handler, pipes, concurrency } of registrations) {
        const copy = shared.copy();
        const messages = pipes.reduce<AsyncIterable<unknown>>((it, pipe) => pipe(it as AsyncIterable<never>), copy);
        runs.push({ key, name: nameOf(handler), handler: handler as Run['handler'], copy, messages, ledger, concurrency });
      }
    }
    return runs;
  }

  private async consume(run: Run, kwargs: Kwargs): Promise<void> {
    let handlerFailed = false;
    try {
      if (run.ledger) {
        const failure = await this.consumeInLanes(run, run.ledger, kwargs);
        handlerFailed = failure !== undefined;
        if (failure) throw failure.error;
        return;
      }
      const acks = new AckWatch();
      const deferred = (run.handler as { [RUN_DEFERRED]?: DeferredRun })[RUN_DEFERRED];
      for await (const msg of run.messages) {
        try {
          // Without a ledger nothing is committed: a Topic sink's acknowledgement
          // is only watched for failure (piped ledger sources wait for it instead).
          if (deferred && !isLedgerSource(this.iterables.get(run.key)?.source)) acks.add(await deferred(msg, kwargs));
          else await run.handler(msg, kwargs);
          acks.check();
        } catch (error) {
          handlerFailed = true;
          throw error;
        }
      }
      await acks.drain();
    } catch (cause) {
      const where = handlerFailed ? `Handler "${run.name}" failed` : `Source "${run.key}" of handler "${run.name}" failed`;
      throw new StreamError(where, { cause, handler: run.name, source: run.key });
    }
  }

  /**
   * Handle the messages of a ledger source: one lane per `laneOf(message)`
   * (or one lane for `sequential`), each lane in order, lanes concurrently.
   * A message is finished in the ledger once its handler is done, with the
   * acknowledgements its sinks still owe. The first failure stops taking
   * messages (later ones are not finished: they come again); resolves with
   * a handler's failure, or rejects with the source's error.
   */
  private async consumeInLanes(run: Run, ledger: Ledger, kwargs: Kwargs): Promise<{ error: unknown } | undefined> {
    const deferred: DeferredRun =
      (run.handler as { [RUN_DEFERRED]?: DeferredRun })[RUN_DEFERRED] ??
      (async (msg, kw) => {
        await run.handler(msg, kw);
        return [];
      });
    const stream = this.iterables.get(run.key) as PausableStream;
    let failure: { error: unknown } | undefined;
    /** The source ended or failed: messages not yet handled are dropped (they come again). */
    let ended = false;
    let end!: () => void;
    const ending = new Promise<void>((resolve) => (end = resolve));
    /** Messages waiting per lane, and the lanes' workers (one per lane with messages). */
    const queues = new Map<number, unknown[]>();
    const workers = new Set<Promise<void>>();
    const work = async (lane: number, queue: unknown[]): Promise<void> => {
      try {
        // The dispatcher appends to `queue` while this runs; it is dropped once drained.
        let next = 0;
        while (next < queue.length && !failure && !ended) {
          const msg = queue[next++];
          if (next === 1_024) {
            queue.splice(0, next); // a lane that never drains must not keep what it handled
            next = 0;
          }
          // A pause holds messages taken before it (until resumed, or the run ends).
          if (!stream.running) await Promise.race([stream.whenRunning(), ending]);
          if (failure || ended) break;
          if (!ledger.isCurrent(msg)) {
            ledger.finish(msg); // seeked or revoked meanwhile: not handled, it comes again (the source ignores it)
            continue;
          }
          const acks = await ledger.scope(msg, () => deferred(msg, kwargs));
          ledger.finish(msg, acks.length === 0 ? undefined : acks.length === 1 ? acks[0] : Promise.all(acks));
        }
      } catch (error) {
        failure ??= { error };
        void run.copy.return?.().catch(warnSecondary); // ends the loop below, even while it waits for a message
      } finally {
        queues.delete(lane);
      }
    };
    const messages = run.messages[Symbol.asyncIterator]();
    /** The loop left before the source ended or failed: the source is told, as `for await` would. */
    let abrupt = true;
    try {
      for (;;) {
        if (failure) break;
        // A message at hand is taken without a promise; else wait for one.
        abrupt = false; // a source that throws is done
        let msg = takeNow<unknown>(messages);
        if (msg === NOTHING_NOW) {
          const next = await messages.next();
          if (next.done) break;
          msg = next.value;
        }
        abrupt = true;
        if (failure) break;
        const lane = run.concurrency === 'sequential' ? 0 : ledger.laneOf(msg);
        const queue = queues.get(lane);
        if (queue) {
          queue.push(msg);
          continue;
        }
        const fresh = [msg];
        queues.set(lane, fresh);
        const worker = work(lane, fresh);
        workers.add(worker);
        void worker.then(() => workers.delete(worker));
      }
    } finally {
      if (abrupt) await messages.return?.();
      // Whether the source ended, failed or a handler did: handlers running now finish, then the run ends.
      ended = true;
      end();
      await Promise.all(workers);
    }
    return failure;
  }
}

/** `ledger` for `handlers` handlers: a message is finished once each of them finished it. */
function sharedLedger(ledger: Ledger, handlers: number): Ledger {
  if (handlers === 1) return ledger;
  const pending = new Map<unknown, { left: number; afters: PromiseLike<unknown>[] }>();
  return {
    laneOf: (message) => ledger.laneOf(message),
    isCurrent: (message) => ledger.isCurrent(message),
    scope: (message, handling) => ledger.scope(message, handling),
    finish: (message, after) => {
      let entry = pending.get(message);
      if (!entry) pending.set(message, (entry = { left: handlers, afters: [] }));
      if (after) {
        after.then(undefined, () => undefined); // handled: its failure reaches the ledger through Promise.all below
        entry.afters.push(after);
      }
      if (--entry.left > 0) return;
      pending.delete(message);
      ledger.finish(message, entry.afters.length === 0 ? undefined : Promise.all(entry.afters));
    },
  };
}

/** Acknowledgements a run does not wait for, watched so that a failure stops the run. */
class AckWatch {
  private readonly pending = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;

  add(acks: Acks): void {
    for (const ack of acks) {
      this.pending.add(ack);
      ack.then(
        () => this.pending.delete(ack),
        (error: unknown) => {
          this.pending.delete(ack);
          this.failure ??= { error };
        },
      );
    }
  }

  /** Throws the first failure seen so far. */
  check(): void {
    if (this.failure) throw this.failure.error;
  }

  /** Waits for every acknowledgement; throws the first failure. */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.pending]);
    this.check();
  }
}
