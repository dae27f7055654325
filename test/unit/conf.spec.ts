import should from 'should';
import { Conf, handle, PausableStream, stream, StreamError } from '../../lib';

const tick = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function* range(count: number, delayMs = 0): AsyncGenerator<number> {
  for (let n = 0; n < count; n++) {
    if (delayMs) await tick(delayMs);
    yield n;
  }
}

async function rejection(promise: Promise<unknown>): Promise<StreamError> {
  try {
    await promise;
  } catch (error) {
    return error as StreamError;
  }
  throw new Error('expected a rejection');
}

describe('Conf', () => {
  beforeEach(() => Conf.reset());
  after(() => Conf.reset());

  it('is a singleton that merges configuration', () => {
    const a = new Conf({ brokers: 'localhost:9092' });
    const b = new Conf({ groupId: 'demo' });
    should(a).equal(b);
    should(a.conf).eql({ brokers: 'localhost:9092', groupId: 'demo' });
  });

  it('reset() clears configuration and registrations', async () => {
    new Conf({ x: 1 });
    let hookRuns = 0;
    new Conf().registerExitHook(() => hookRuns++);
    handle(range(1))(() => undefined);
    Conf.reset();
    should(new Conf().conf).eql({});
    should(new Conf().iterables.size).equal(0);
    await stream();
    should(hookRuns).equal(0);
  });

  it('gives each source object a stable, distinct key', () => {
    const conf = new Conf();
    const a = range(1);
    const b = range(1);
    should(conf.iterableKey(a)).equal(conf.iterableKey(a));
    should(conf.iterableKey(a)).not.equal(conf.iterableKey(b));
    should(conf.iterableKey(a)).match(/^AsyncGenerator#\d+$/);
  });

  it('wraps registered sources in a PausableStream, once per key', () => {
    const conf = new Conf();
    const source = range(1);
    conf.registerIterable('k', source);
    const first = conf.iterables.get('k');
    conf.registerIterable('k', range(2));
    should(first).be.instanceOf(PausableStream);
    should(conf.iterables.get('k')).equal(first);
  });

  it('feeds every handler of a source all of its messages', async () => {
    const conf = new Conf();
    const seen: Record<string, number[]> = { a: [], b: [] };
    conf.registerIterable('k', range(4));
    conf.registerHandler('k', (n: number) => void seen.a.push(n));
    conf.registerHandler('k', (n: number) => void seen.b.push(n));
    await conf.start();
    should(seen).eql({ a: [0, 1, 2, 3], b: [0, 1, 2, 3] });
  });

  it('runs sources concurrently', async () => {
    const order: string[] = [];
    handle(range(3, 10))((n: number) => void order.push(`a${n}`));
    handle(range(3, 10))((n: number) => void order.push(`b${n}`));
    await stream();
    should(order.slice(0, 2).sort()).eql(['a0', 'b0']); // interleaved, not one source after the other
    should(order).have.length(6);
  });

  it('applies pipes in order to the handler copy only', async () => {
    async function* pairwise<T>(source: AsyncIterable<T>): AsyncGenerator<[T, T]> {
      let previous: { value: T } | undefined;
      for await (const value of source) {
        if (previous) yield [previous.value, value];
        previous = { value };
      }
    }
    async function* times10(source: AsyncIterable<number>): AsyncGenerator<number> {
      for await (const n of source) yield n * 10;
    }
    const source = range(4);
    const piped: unknown[] = [];
    const reversed: unknown[] = [];
    const raw: unknown[] = [];
    handle(source, { pipe: [times10, pairwise] })((pair: unknown) => void piped.push(pair));
    handle(source, { pipe: [pairwise] })((pair: unknown) => void reversed.push(pair));
    handle(source)((n: unknown) => void raw.push(n));
    await stream();
    should(piped).eql([
      [0, 10],
      [10, 20],
      [20, 30],
    ]);
    should(reversed).eql([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
    should(raw).eql([0, 1, 2, 3]);
  });

  it('runs each exit hook once at the end, in registration order', async () => {
    const calls: string[] = [];
    const hook = async (): Promise<void> => {
      await tick(1);
      calls.push('hook');
    };
    const conf = new Conf();
    conf.registerExitHook(hook);
    conf.registerExitHook(hook);
    conf.registerExitHook(() => calls.push('second'));
    handle(range(2))((n: number) => void calls.push(`msg${n}`));
    await stream();
    should(calls).eql(['msg0', 'msg1', 'hook', 'second']);
  });

  it('stops the other sources, runs exit hooks, then throws the first error naming the handler', async () => {
    let otherClosed = false;
    let otherHandled = 0;
    async function* endless(): AsyncGenerator<number> {
      try {
        for (let n = 0; ; n++) {
          await tick(1);
          yield n;
        }
      } finally {
        otherClosed = true;
      }
    }
    const events: string[] = [];
    new Conf().registerExitHook(() => events.push('exit hook'));
    handle(endless())(() => void otherHandled++);
    handle(range(5, 2))(function failing(n: number) {
      if (n === 2) throw new RangeError('bad message 2');
    });
    const error = await rejection(stream());
    events.push('thrown');
    should(error).be.instanceOf(StreamError);
    should(error.message).equal('Handler "failing" failed: bad message 2');
    should(error.handler).equal('failing');
    should(error.cause).be.instanceOf(RangeError);
    should(events).eql(['exit hook', 'thrown']);
    await tick(10);
    should(otherClosed).be.true();
    const handledAtStop = otherHandled;
    await tick(20);
    should(otherHandled).equal(handledAtStop);
  });

  it('names the source and handler when a source fails', async () => {
    async function* broken(): AsyncGenerator<number> {
      yield 1;
      throw new Error('connection lost');
    }
    const source = broken();
    const key = new Conf().iterableKey(source);
    handle(source)(function consumer() {});
    await should(stream()).be.rejectedWith({
      name: 'StreamError',
      message: `Source "${key}" of handler "consumer" failed: connection lost`,
      handler: 'consumer',
      source: key,
    });
  });

  it('runs exit hooks after an error and reports a failing hook', async () => {
    let ran = 0;
    const conf = new Conf();
    conf.registerExitHook(function closeThings() {
      throw new Error('cannot close');
    });
    conf.registerExitHook(() => ran++);
    await should(stream()).be.rejectedWith('Exit hook "closeThings" failed: cannot close');
    should(ran).equal(1);
  });

  it('resolves at once with nothing registered and skips sources without handlers', async () => {
    await stream();
    let pulled = false;
    new Conf().registerIterable('lonely', {
      [Symbol.asyncIterator]: () => ({
        next: async () => {
          pulled = true;
          return { done: true, value: undefined };
        },
      }),
    });
    await stream();
    should(pulled).be.false();
  });
});
