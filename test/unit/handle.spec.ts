import should from 'should';
import { Conf, handle, isKeyedSink, MemoryCache, stream, StreamError, type Key } from '../../lib';

const tick = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function* from<T>(values: T[]): AsyncGenerator<T> {
  yield* values;
}

/** A function sink that records what it gets. */
function recorder(): ((v: unknown) => void) & { got: unknown[] } {
  const got: unknown[] = [];
  return Object.assign((v: unknown) => void got.push(v), { got });
}

describe('handle', () => {
  beforeEach(() => Conf.reset());
  after(() => Conf.reset());

  describe('handler forms', () => {
    it('sinks a returned value once', async () => {
      const sink = recorder();
      handle(from([1, 2]), { sink: [sink] })((n: number) => n * 10);
      await stream();
      should(sink.got).eql([10, 20]);
    });

    it('awaits a returned promise', async () => {
      const sink = recorder();
      handle(from([1, 2]), { sink: [sink] })(async (n: number) => {
        await tick(1);
        return `p${n}`;
      });
      await stream();
      should(sink.got).eql(['p1', 'p2']);
    });

    it('sinks every value a generator yields, in order', async () => {
      const sink = recorder();
      handle(from([1, 2]), { sink: [sink] })(function* (n: number) {
        yield `${n}a`;
        yield `${n}b`;
      });
      await stream();
      should(sink.got).eql(['1a', '1b', '2a', '2b']);
    });

    it('sinks every value an async generator yields, in order', async () => {
      const sink = recorder();
      handle(from([1, 2]), { sink: [sink] })(async function* (n: number) {
        await tick(1);
        yield `${n}a`;
        yield `${n}b`;
      });
      await stream();
      should(sink.got).eql(['1a', '1b', '2a', '2b']);
    });

    it('does not iterate strings and arrays', async () => {
      const sink = recorder();
      handle(from(['abc']), { sink: [sink] })((s: string) => s);
      handle(from([[1, 2, 3]]), { sink: [sink] })((a: number[]) => a);
      await stream();
      should(sink.got).containDeep(['abc', [1, 2, 3]]);
      should(sink.got).have.length(2);
    });

    it('does not sink undefined or null', async () => {
      const sink = recorder();
      handle(from([1, 2, 3, 4]), { sink: [sink] })(function* (n: number) {
        yield n % 2 ? undefined : n;
        yield null;
      });
      handle(from([0]), { sink: [sink] })(() => null);
      handle(from([0]), { sink: [sink] })(() => undefined);
      await stream();
      should(sink.got).eql([2, 4]);
    });

    it('calls handlers without parameters, as for timer sources', async () => {
      async function* timer(ticks: number): AsyncGenerator<undefined> {
        for (let i = 0; i < ticks; i++) {
          await tick(2);
          yield undefined;
        }
      }
      const sink = recorder();
      let count = 0;
      handle(timer(3), { sink: [sink] })(() => ++count);
      await stream();
      should(sink.got).eql([1, 2, 3]);
    });

    it('passes stream kwargs as the second argument', async () => {
      const sink = recorder();
      handle(from(['m']), { sink: [sink] })((msg: string, kwargs: { env: string }) => `${msg}:${kwargs.env}`);
      await stream({ env: 'DEV' });
      should(sink.got).eql(['m:DEV']);
    });
  });

  describe('the wrapped handler', () => {
    it('can be called directly, keeps the name and defaults kwargs to {}', async () => {
      const sink = recorder();
      const wrapped = handle({ sink: [sink] })(function greet(msg: string, kwargs: object) {
        return `hi ${msg} ${JSON.stringify(kwargs)}`;
      });
      should(wrapped.name).equal('greet');
      await wrapped('you');
      should(sink.got).eql(['hi you {}']);
    });

    it('registers the same handler on several sources', async () => {
      const sink = recorder();
      handle(from([1]), from([2]), { sink: [sink] })((n: number) => n);
      await stream();
      should((sink.got as number[]).sort()).eql([1, 2]);
    });

    it('rejects bad arguments clearly', () => {
      should(() => handle(from([1]), { sinks: [] } as never)).throw(/unknown option\(s\) sinks/);
      should(() => handle({ sink: 'console.log' } as never)).throw('handle(): option "sink" must be an array of functions');
      should(() => handle({} as never, from([1]))).throw('handle(): argument 1 is not an async iterable source');
    });
  });

  describe('sinks', () => {
    it('calls sinks one after another in order, awaiting promises, before the next message', async () => {
      const log: string[] = [];
      const slowSink = async (v: unknown): Promise<void> => {
        log.push(`slow start ${v}`);
        await tick(5);
        log.push(`slow end ${v}`);
      };
      const fastSink = (v: unknown): void => void log.push(`fast ${v}`);
      handle(from([1, 2]), { sink: [slowSink, fastSink] })((n: number) => {
        log.push(`handle ${n}`);
        return n;
      });
      await stream();
      should(log).eql(['handle 1', 'slow start 1', 'slow end 1', 'fast 1', 'handle 2', 'slow start 2', 'slow end 2', 'fast 2']);
    });

    it('gives keyed sinks the key and value of a [key, value] output', async () => {
      const cache = new MemoryCache<string>();
      should(isKeyedSink(cache)).be.true();
      handle(from(['a', 'b']), { sink: [cache] })((s: string) => [s, s.toUpperCase()]);
      await stream();
      should(await cache.get('a')).equal('A');
      should(await cache.get('b')).equal('B');
    });

    it('rejects an output that is not [key, value] for a keyed sink, before any sink sees it', async () => {
      const cache = new MemoryCache();
      const sink = recorder();
      const wrapped = handle({ sink: [sink, cache] })(function toCache(msg: unknown) {
        return msg;
      });
      await should(wrapped({ id: 1 })).be.rejectedWith({
        name: 'TypeError',
        message: 'Sink expects: [key, value] in toCache, got: { id: 1 }',
      });
      await should(wrapped(['only key'])).be.rejectedWith("Sink expects: [key, value] in toCache, got: [ 'only key' ]");
      await should(wrapped('ab')).be.rejectedWith("Sink expects: [key, value] in toCache, got: 'ab'");
      should(sink.got).eql([]);
      await wrapped(['k', 'v']);
      should(sink.got).eql([['k', 'v']]);
    });

    it('reports a keyed sink error through stream() naming the handler', async () => {
      handle(from([1]), { sink: [new MemoryCache()] })(function notPairs(n: number) {
        return n;
      });
      const error = await stream().then(
        () => undefined,
        (e: unknown) => e,
      );
      should(error).be.instanceOf(StreamError);
      should((error as StreamError).message).equal(
        'Handler "notPairs" failed: Sink expects: [key, value] in notPairs, got: 1',
      );
      should((error as StreamError).cause).be.instanceOf(TypeError);
    });
  });

  describe('sources', () => {
    it('lets a slow handler slow the shared source instead of buffering', async () => {
      let pulled = 0;
      async function* counted(): AsyncGenerator<number> {
        for (let n = 0; n < 5; n++) {
          pulled++;
          yield n;
        }
      }
      const source = counted();
      let slowDone = 0;
      let maxAhead = 0;
      handle(source)(() => {
        maxAhead = Math.max(maxAhead, pulled - slowDone);
      });
      handle(source)(async () => {
        await tick(5);
        slowDone++;
      });
      await stream();
      should(slowDone).equal(5);
      should(maxAhead).be.belowOrEqual(1);
    });

    it('takes an ICache as a source of its updates, not as options', async () => {
      const cache = new MemoryCache<number>();
      const sink = recorder();
      // The updates never end by themselves: the pipe stops after two, which closes the source.
      async function* take2<T>(source: AsyncIterable<T>): AsyncGenerator<T> {
        let count = 0;
        for await (const value of source) {
          yield value;
          if (++count === 2) return;
        }
      }
      handle(cache, { pipe: [take2], sink: [sink] })(([key, value]: [Key, number]) => `${key}=${value}`);
      handle(from([1, 2]))((n: number) => cache(`k${n}`, n));
      await stream();
      should(sink.got).eql(['k1=1', 'k2=2']);
    });
  });
});
