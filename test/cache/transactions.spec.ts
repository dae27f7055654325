import should from 'should';
import { Cache } from '../../lib/cache';
import { LockPool } from '../../lib/cache/locks';
import { removeTempDirs, sleep, tempDir } from './helpers';

describe('Cache transactions', () => {
  let cache: Cache<string | number>;

  beforeEach(() => {
    cache = new Cache(tempDir());
  });

  afterEach(async () => {
    await cache.close();
    removeTempDirs();
  });

  /** Read, wait, then write what was read plus `letter`: lost updates show without a lock. */
  const append = (letter: string, delay: number): Promise<void> =>
    cache.transaction('x', async (c) => {
      const before = (await c.get('x', '')) as string;
      await sleep(delay);
      await c.put('x', before + letter);
    });

  it('runs read–sleep–write transactions on one key one after another (the seed test)', async () => {
    await Promise.all([append('a', 30), append('b', 0)]);
    should(await cache.get('x')).equal('ab');
    await Promise.all([append('b', 30), append('a', 0)]);
    should(await cache.get('x')).equal('abba');
  });

  it('releases the lock when a transaction throws, at once or later, and rejects with its error; the next waiter goes on', async () => {
    const holder = append('a', 20);
    const atOnce = cache.transaction('x', () => {
      throw new Error('at once');
    });
    const later = cache.transaction('x', async () => {
      await sleep(5);
      throw new Error('later');
    });
    const next = append('b', 0); // queued behind both
    await should(atOnce).be.rejectedWith('at once');
    await should(later).be.rejectedWith('later');
    await Promise.all([holder, next]);
    should(await cache.get('x')).equal('ab');
    should(await cache.transaction('x', () => 'sync result')).equal('sync result');
  });

  it('serializes transactions on one key across two Cache objects on the same database', async () => {
    const other = new Cache<string | number>(cache.path());
    try {
      const appendThrough = (c: Cache<string | number>, letter: string, delay: number): Promise<void> =>
        c.transaction('y', async (tx) => {
          const before = (await tx.get('y', '')) as string;
          await sleep(delay);
          await tx.put('y', before + letter);
        });
      await Promise.all([appendThrough(cache, 'a', 30), appendThrough(other, 'b', 0)]);
      should(await other.get('y')).equal('ab');
    } finally {
      await other.close();
    }
  });

  it('loses updates without a transaction (the test above can fail)', async () => {
    const racy = async (letter: string, delay: number): Promise<void> => {
      const before = (await cache.get('x', '')) as string;
      await sleep(delay);
      await cache.put('x', before + letter);
    };
    await Promise.all([racy('a', 30), racy('b', 0)]);
    should(await cache.get('x')).equal('a');
  });

  it('ends 10,000 concurrent increments on 10 keys with exact counts', async () => {
    const increments = Array.from({ length: 10_000 }, (_, i) =>
      cache.transaction(`counter:${i % 10}`, async (c) => {
        const n = (await c.get(`counter:${i % 10}`, 0)) as number;
        await c.put(`counter:${i % 10}`, n + 1);
      }),
    );
    await Promise.all(increments);
    const counts = await cache.getMany(Array.from({ length: 10 }, (_, k) => `counter:${k}`));
    should(counts).eql(Array(10).fill(1000));
  });

  it('does not block reads or plain writes of a locked key', async () => {
    await cache.put('x', 'before');
    let release!: () => void;
    const held = cache.transaction('x', () => new Promise<void>((resolve) => (release = resolve)));
    await sleep(5);
    should(await cache.get('x')).equal('before');
    await cache.put('x', 'outside');
    should(await cache.get('x')).equal('outside');
    release();
    await held;
  });

  it('serves waiters first come, first served', async () => {
    const order: number[] = [];
    await Promise.all(
      [30, 0, 10, 0, 20].map((delay, i) =>
        cache.transaction('k', async () => {
          await sleep(delay);
          order.push(i);
        }),
      ),
    );
    should(order).eql([0, 1, 2, 3, 4]);
  });

  it('uses numberOfLocks locks; distinct keys run concurrently', async () => {
    const pool = new LockPool(16);
    should(pool.size).equal(16);
    should(() => new LockPool(0)).throw(RangeError);
    should(() => new Cache(tempDir(), { numberOfLocks: 1.5 })).throw(/numberOfLocks/);
    // Find two keys on different locks, then show one does not wait for the other.
    const started: string[] = [];
    let release!: () => void;
    const blocker = cache.transaction('a', () => new Promise<void>((resolve) => (release = resolve)));
    for (const key of ['b', 'c', 'd', 'e', 'f', 'g']) {
      void cache.transaction(key, () => void started.push(key));
    }
    await sleep(10);
    should(started.length).be.above(0);
    release();
    await blocker;
  });
});
