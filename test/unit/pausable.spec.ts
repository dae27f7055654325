import should from 'should';
import { PausableStream, Signal } from '../../lib';

const tick = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A plain async iterable (its iterator is not a generator). */
function plain(values: number[]): AsyncIterable<number> & { pulls: () => number } {
  let pulls = 0;
  return {
    pulls: () => pulls,
    [Symbol.asyncIterator]: () => {
      let i = 0;
      return {
        next: async () => {
          pulls++;
          return i < values.length ? { done: false, value: values[i++] } : { done: true, value: undefined };
        },
      };
    },
  };
}

/** Resolves with the next value, or 'pending' if none arrives within `ms`. */
async function nextWithin<T>(iterator: AsyncIterator<T>, ms: number): Promise<IteratorResult<T> | 'pending'> {
  const next = iterator.next();
  const result = await Promise.race([next, tick(ms).then(() => 'pending' as const)]);
  return result;
}

describe('PausableStream', () => {
  it('passes values through while running', async () => {
    const pausable = new PausableStream(plain([1, 2, 3]));
    const seen: number[] = [];
    for await (const n of pausable.iterable) seen.push(n);
    should(seen).eql([1, 2, 3]);
    should(pausable.running).be.true();
    should(pausable.signal).be.undefined();
  });

  it('does not pull a plain iterable while paused and delivers again after RESUME', async () => {
    const source = plain([1, 2, 3]);
    const pausable = new PausableStream(source);
    const iterator = pausable.iterable[Symbol.asyncIterator]();
    should(await iterator.next()).eql({ done: false, value: 1 });
    pausable.sendSignal(Signal.PAUSE);
    should(pausable.running).be.false();
    should(pausable.signal).equal(Signal.PAUSE);
    const next = iterator.next();
    await tick(30);
    should(source.pulls()).equal(1);
    pausable.sendSignal(Signal.RESUME);
    should(await next).eql({ done: false, value: 2 });
    should(pausable.running).be.true();
  });

  it('only RESUME resumes: STOP and SENTINEL are stored but leave it paused', async () => {
    const pausable = new PausableStream(plain([1, 2]));
    const iterator = pausable.iterable[Symbol.asyncIterator]();
    pausable.sendSignal(Signal.PAUSE);
    const next = iterator.next();
    for (const signal of [Signal.STOP, Signal.SENTINEL]) {
      pausable.sendSignal(signal);
      should(pausable.signal).equal(signal);
      should(pausable.running).be.false();
    }
    should(await Promise.race([next, tick(30).then(() => 'pending')])).equal('pending');
    pausable.sendSignal(Signal.RESUME);
    should(await next).eql({ done: false, value: 1 });
  });

  it('only PAUSE pauses: other signals leave a running stream running', async () => {
    const pausable = new PausableStream(plain([1]));
    for (const signal of [Signal.STOP, Signal.SENTINEL, Signal.RESUME]) pausable.sendSignal(signal);
    should(pausable.running).be.true();
    should(await nextWithin(pausable.iterable[Symbol.asyncIterator](), 30)).eql({ done: false, value: 1 });
  });

  it('holds a value that arrives while paused until RESUME', async () => {
    let release!: () => void;
    const source: AsyncIterable<string> = {
      [Symbol.asyncIterator]: () => ({
        next: () => new Promise((resolve) => (release = () => resolve({ done: false, value: 'late' }))),
      }),
    };
    const pausable = new PausableStream(source);
    const next = pausable.iterable[Symbol.asyncIterator]().next();
    await tick();
    pausable.sendSignal(Signal.PAUSE);
    release();
    should(await Promise.race([next, tick(30).then(() => 'pending')])).equal('pending');
    pausable.sendSignal(Signal.RESUME);
    should(await next).eql({ done: false, value: 'late' });
  });

  describe('with an async generator source', () => {
    /**
     * Behaves like a Kafka Topic: records the signal of every pull and
     * answers SENTINEL while it was last told to pause.
     */
    function topicLike(count: number): { generator: AsyncGenerator<number | Signal, void, Signal | undefined>; received: Array<Signal | undefined> } {
      const received: Array<Signal | undefined> = [];
      async function* generator(): AsyncGenerator<number | Signal, void, Signal | undefined> {
        let n = 0;
        let signal: Signal | undefined;
        while (n < count) {
          signal = yield signal === Signal.PAUSE ? Signal.SENTINEL : n++;
          received.push(signal);
        }
      }
      return { generator: generator(), received };
    }

    it('sends the current signal with every pull', async () => {
      const { generator, received } = topicLike(3);
      const pausable = new PausableStream(generator);
      const iterator = pausable.iterable[Symbol.asyncIterator]();
      should(await iterator.next()).eql({ done: false, value: 0 });
      pausable.sendSignal(Signal.STOP);
      should(await iterator.next()).eql({ done: false, value: 1 });
      should(received).eql([Signal.STOP]); // the first next() argument never reaches a generator
    });

    it('keeps pulling with PAUSE at a modest pace, skips SENTINEL, and resumes', async () => {
      const { generator, received } = topicLike(3);
      const pausable = new PausableStream(generator, { pausedPollMs: 20 });
      const iterator = pausable.iterable[Symbol.asyncIterator]();
      should(await iterator.next()).eql({ done: false, value: 0 });
      pausable.sendSignal(Signal.PAUSE);
      const next = iterator.next();
      await tick(110);
      const pausedPulls = received.filter((s) => s === Signal.PAUSE).length;
      should(pausedPulls).be.within(1, 8); // about one per 20 ms (loose for loaded machines), not a busy loop
      should(received.every((s) => s === Signal.PAUSE)).be.true();
      pausable.sendSignal(Signal.RESUME);
      should(await next).eql({ done: false, value: 1 }); // SENTINELs were never delivered
      should(received[received.length - 1]).equal(Signal.RESUME);
    });

    it('holds a real value a generator yields while paused until RESUME', async () => {
      async function* ignoresSignals(): AsyncGenerator<number> {
        yield* [1, 2];
      }
      const pausable = new PausableStream(ignoresSignals(), { pausedPollMs: 5 });
      const iterator = pausable.iterable[Symbol.asyncIterator]();
      pausable.sendSignal(Signal.PAUSE);
      const next = iterator.next();
      should(await Promise.race([next, tick(30).then(() => 'pending')])).equal('pending');
      pausable.sendSignal(Signal.RESUME);
      should(await next).eql({ done: false, value: 1 });
    });

    it('signals the async generator an iterable returns, as a Topic would', async () => {
      const { generator, received } = topicLike(2);
      const pausable = new PausableStream({ [Symbol.asyncIterator]: () => generator });
      const iterator = pausable.iterable[Symbol.asyncIterator]();
      await iterator.next();
      pausable.sendSignal(Signal.STOP);
      await iterator.next();
      should(received).eql([Signal.STOP]);
    });

    it('closes the source on return()', async () => {
      let closed = false;
      async function* source(): AsyncGenerator<number> {
        try {
          yield* [1, 2, 3];
        } finally {
          closed = true;
        }
      }
      for await (const n of new PausableStream(source()).iterable) if (n === 1) break;
      should(closed).be.true();
    });
  });
});
