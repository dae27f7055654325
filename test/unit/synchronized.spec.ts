import should from 'should';
import { AsyncSynchronizedGenerator } from '../../lib';
import { NOTHING_NOW, TAKE_NOW, takeNow } from '../../lib/interfaces';

const tick = (ms = 0): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** A counting source: `pulls` is how many values were taken from it. */
function counted(count: number): { source: AsyncGenerator<number>; pulls: () => number; closed: () => boolean } {
  let pulls = 0;
  let closed = false;
  async function* source(): AsyncGenerator<number> {
    try {
      for (let n = 0; n < count; n++) {
        pulls++;
        yield n;
      }
    } finally {
      closed = true;
    }
  }
  return { source: source(), pulls: () => pulls, closed: () => closed };
}

async function collect<T>(it: AsyncIterable<T>, delayMs = 0): Promise<T[]> {
  const out: T[] = [];
  for await (const v of it) {
    out.push(v);
    if (delayMs) await tick(delayMs);
  }
  return out;
}

describe('AsyncSynchronizedGenerator', () => {
  it('gives every copy every value exactly once, in order', async () => {
    const { source } = counted(20);
    const shared = new AsyncSynchronizedGenerator(source);
    const copies = [shared.copy(), shared.copy(), shared.copy()];
    const results = await Promise.all(copies.map((copy, i) => collect(copy, i)));
    const expected = Array.from({ length: 20 }, (_, n) => n);
    for (const result of results) should(result).eql(expected);
  });

  it('does not pull the source ahead of the slowest copy', async () => {
    const { source, pulls } = counted(10);
    const shared = new AsyncSynchronizedGenerator(source);
    const fast = shared.copy();
    const slow = shared.copy();
    let slowConsumed = 0;
    let maxLead = 0;
    const fastRun = collect(fast);
    const slowRun = (async () => {
      for await (const _ of slow) {
        slowConsumed++;
        await tick(5);
        maxLead = Math.max(maxLead, pulls() - slowConsumed);
      }
    })();
    await Promise.all([fastRun, slowRun]);
    should(slowConsumed).equal(10);
    // The next value is fetched only once every copy is done with the current one.
    should(maxLead).equal(0);
    should(pulls()).equal(10);
  });

  it('ends every copy when the source is exhausted', async () => {
    const { source } = counted(3);
    const shared = new AsyncSynchronizedGenerator(source);
    const a = shared.copy();
    const b = shared.copy();
    should(await Promise.all([collect(a), collect(b)])).eql([
      [0, 1, 2],
      [0, 1, 2],
    ]);
    should((await a.next()).done).be.true();
    should((await shared.copy().next()).done).be.true();
  });

  it('holds a copy back until the others are done with the current value', async () => {
    const { source } = counted(3);
    const shared = new AsyncSynchronizedGenerator(source);
    const a = shared.copy();
    const b = shared.copy();
    const first = await Promise.all([a.next(), b.next()]);
    should(first.map((r) => r.value)).eql([0, 0]);
    // b still works on 0: a may not get 1 yet.
    const next = a.next();
    const winner = await Promise.race([next.then(() => 'advanced'), tick(30).then(() => 'held')]);
    should(winner).equal('held');
    void b.next(); // b is done with 0
    should(await next).eql({ done: false, value: 1 });
  });

  it('lets the others go on when a copy breaks early', async () => {
    const { source, closed } = counted(6);
    const shared = new AsyncSynchronizedGenerator(source);
    const quitter = shared.copy();
    const stayer = shared.copy();
    const quitterRun = (async () => {
      const seen: number[] = [];
      for await (const n of quitter) {
        seen.push(n);
        if (n === 1) break;
      }
      return seen;
    })();
    const [quit, stayed] = await Promise.all([quitterRun, collect(stayer, 1)]);
    should(quit).eql([0, 1]);
    should(stayed).eql([0, 1, 2, 3, 4, 5]);
    should(closed()).be.true();
  });

  it('closes the source when the last copy stops', async () => {
    const { source, pulls, closed } = counted(100);
    const shared = new AsyncSynchronizedGenerator(source);
    for await (const n of shared) if (n === 2) break; // iterating the generator itself is a copy
    should(closed()).be.true();
    should(pulls()).equal(3);
  });

  it('ends a copy that is waiting when it detaches', async () => {
    let release!: () => void;
    async function* never(): AsyncGenerator<number> {
      await new Promise<void>((resolve) => (release = resolve));
      yield 1;
    }
    const shared = new AsyncSynchronizedGenerator(never());
    const copy = shared.copy();
    const pending = copy.next();
    await tick();
    void copy.return?.();
    should(await pending).eql({ done: true, value: undefined });
    release();
  });

  it('throws a source error to every copy', async () => {
    async function* failing(): AsyncGenerator<number> {
      yield 1;
      throw new Error('source broke');
    }
    const shared = new AsyncSynchronizedGenerator(failing());
    const results = await Promise.allSettled([collect(shared.copy()), collect(shared.copy())]);
    for (const result of results) {
      should(result.status).equal('rejected');
      should((result as PromiseRejectedResult).reason.message).equal('source broke');
    }
  });

  it('does not hang on a source whose next() throws synchronously', async () => {
    const source: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: () => {
          throw new Error('sync throw');
        },
      }),
    };
    await should(collect(new AsyncSynchronizedGenerator(source))).be.rejectedWith('sync throw');
  });

  it('obtains the source iterator at construction and exposes the current value', async () => {
    let iterated = false;
    const source: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => {
        iterated = true;
        let n = 0;
        return { next: async () => (n < 2 ? { done: false, value: n++ } : { done: true, value: undefined }) };
      },
    };
    const shared = new AsyncSynchronizedGenerator(source);
    should(iterated).be.true();
    const copy = shared.copy();
    await copy.next();
    await copy.next();
    should(shared.value).equal(1);
  });

  it('hands its only copy what a source has at hand without next() (TAKE_NOW), and nothing while copies share it', async () => {
    const ready = [1, 2, 3];
    const iterator = {
      [TAKE_NOW]: (): number | typeof NOTHING_NOW => ready.shift() ?? NOTHING_NOW,
      next: async () => ({ done: false as const, value: 99 }),
    };
    const source = { [Symbol.asyncIterator]: () => iterator };
    const shared = new AsyncSynchronizedGenerator<number>(source);
    const copy = shared.copy();
    should([takeNow(copy), takeNow(copy)]).eql([1, 2]);
    should(shared.value).equal(2);
    const second = shared.copy();
    should(takeNow(copy)).equal(NOTHING_NOW); // two readers: the slowest sets the pace, through next()
    should(takeNow(second)).equal(NOTHING_NOW);
    should(ready).eql([3]);
    await second.return?.();
    should(takeNow(copy)).equal(3);
    should(takeNow(copy)).equal(NOTHING_NOW); // nothing at hand: the caller pulls
    should(await copy.next()).eql({ done: false, value: 99 });
  });
});
