import path from 'node:path';
import should from 'should';
import { Cache } from '../../lib/cache';
import type { Key } from '../../lib/interfaces';
import { collect, removeTempDirs, tempDir } from './helpers';

describe('Cache', () => {
  let cache: Cache;

  beforeEach(() => {
    cache = new Cache(tempDir());
  });

  afterEach(async () => {
    await cache.close();
    removeTempDirs();
  });

  describe('CRUD', () => {
    it('keeps Buffer("123"), "123", true and 123 as four keys (the seed cases)', async () => {
      const keys: Key[] = [Buffer.from('123'), '123', true, 123];
      for (const [i, key] of keys.entries()) await cache.put(key, `v${i}`);
      for (const [i, key] of keys.entries()) should(await cache.get(key)).equal(`v${i}`);
      for (const key of keys) should(await cache.has(key)).be.true();
      await cache.delete('123');
      should(await cache.has('123')).be.false();
      should(await cache.get(123)).equal('v3');
      should(await cache.get(Buffer.from('123'))).equal('v0');
    });

    it('gives undefined, or the default, for a missing key', async () => {
      should(await cache.get('missing')).be.undefined();
      should(await cache.get('missing', 'fallback')).equal('fallback');
      should(await cache.has('missing')).be.false();
      should(await cache.keyMayExist('missing')).be.false();
      await cache.put('there', null);
      should(await cache.get('there', 'fallback')).be.null();
      should(await cache.keyMayExist('there')).be.true();
    });

    it('getMany reads several keys at once', async () => {
      await cache.put('a', 1);
      await cache.put(2, 'two');
      should(await cache.getMany(['a', 'missing', 2])).eql([1, undefined, 'two']);
      should(await cache.getMany([])).eql([]);
    });

    it('round-trips Dates, Maps, BigInt and nested objects through v8.serialize', async () => {
      const value = { when: new Date(1700000000000), map: new Map([['k', new Set([1, 2])]]), big: 2n ** 70n };
      await cache.put('v', value);
      const back = (await cache.get('v')) as typeof value;
      should(back.when).be.instanceOf(Date);
      should(back.when.getTime()).equal(1700000000000);
      should(back.map.get('k')).eql(new Set([1, 2]));
      should(back.big).equal(2n ** 70n);
    });

    it('uses setDumps/setLoads for values', async () => {
      cache.setDumps((v) => JSON.stringify(v));
      cache.setLoads((b) => ({ parsed: JSON.parse(b.toString()) }));
      await cache.put('j', { a: 1 });
      should(await cache.get('j')).eql({ parsed: { a: 1 } });
    });

    it('resolves a relative path against the working directory', () => {
      const relative = new Cache('some/relative/db');
      should(relative.path()).equal(path.resolve('some/relative/db'));
      return relative.close();
    });
  });

  describe('callable sink and updates', () => {
    it('stores and publishes cache(key, value) to listeners', async () => {
      should(typeof cache).equal('function');
      should(cache).be.instanceOf(Cache);
      const got: Array<[Key, unknown]> = [];
      const listening = (async () => {
        for await (const update of cache) {
          got.push(update);
          if (got.length === 2) break;
        }
      })();
      await cache('a', 1);
      await cache(2, { b: true });
      await listening;
      should(got).eql([['a', 1], [2, { b: true }]]);
      should(await cache.get(2)).eql({ b: true });
    });

    it('lets two caches on one database see each other’s updates', async () => {
      const other = new Cache(cache.path());
      try {
        const iterator = other[Symbol.asyncIterator]();
        const next = iterator.next();
        await cache('k', 'v');
        should((await next).value).eql(['k', 'v']);
        await iterator.return?.();
        should(await other.get('k')).equal('v');
      } finally {
        await other.close();
      }
    });
  });

  describe('iteration', () => {
    beforeEach(async () => {
      for (const key of ['order:2', 'user:b', 'order:1', 'user:a', 'user;', 'use']) await cache.put(key, key.toUpperCase());
      await cache.put(5, 'five');
      await cache.put(Buffer.from('user:x'), 'buffer');
    });

    it('lists keys in order, typed: numbers < strings < Buffers', async () => {
      should(await collect(cache.keys())).eql([5, 'order:1', 'order:2', 'use', 'user:a', 'user:b', 'user;', Buffer.from('user:x')]);
    });

    it('iterates a string prefix and stops at the first key outside it', async () => {
      should(await collect(cache.keys({ prefix: 'user:' }))).eql(['user:a', 'user:b']);
      should(await collect(cache.items({ prefix: 'order:' }))).eql([['order:1', 'ORDER:1'], ['order:2', 'ORDER:2']]);
      should(await collect(cache.values({ prefix: 'user:', backwards: true }))).eql(['USER:B', 'USER:A']);
      should(await collect(cache.keys({ prefix: 'nobody:' }))).eql([]);
    });

    it('iterates a Buffer prefix (Buffer keys only)', async () => {
      should(await collect(cache.keys({ prefix: Buffer.from('user') }))).eql([Buffer.from('user:x')]);
    });

    it('combines fromKey, prefix, backwards and limit', async () => {
      should(await collect(cache.keys({ prefix: 'user:', fromKey: 'user:b' }))).eql(['user:b']);
      should(await collect(cache.keys({ prefix: 'user:', fromKey: 'user:zzz', backwards: true }))).eql(['user:b', 'user:a']);
      should(await collect(cache.keys({ prefix: 'user:', fromKey: 'user:aa', backwards: true }))).eql(['user:a']);
      should(await collect(cache.keys({ prefix: 'user:', fromKey: 'a' }))).eql(['user:a', 'user:b']);
      should(await collect(cache.keys({ limit: 2 }))).eql([5, 'order:1']);
      should(await collect(cache.keys({ backwards: true, limit: 1 }))).eql([Buffer.from('user:x')]);
      should(await collect(cache.keys({ limit: 0 }))).eql([]);
    });

    it('stops the native iterator when the consumer breaks', async () => {
      for await (const key of cache.keys()) {
        should(key).equal(5);
        break;
      }
      await cache.close(); // would never resolve with an iterator left open
    });

    it('close() resolves while an iteration is left unfinished', async function () {
      this.timeout(10_000);
      const batch = cache.batch();
      for (let i = 0; i < 3000; i++) batch.put(`bulk:${i}`, i);
      await cache.write(batch);
      const iterator = cache.keys({ prefix: 'bulk:' })[Symbol.asyncIterator]();
      should((await iterator.next()).value).equal('bulk:0');
      await cache.close();
    });
  });

  describe('temporal join (float timestamps)', () => {
    it('values({ backwards, fromKey }) gives the newest entry at or before the key', async () => {
      const times = [1700000000.25, 1700000001.5, 1700000002.75, -3.5, 0];
      for (const t of times) await cache.put(t, `at ${t}`);
      const at = async (ts: number): Promise<unknown> => {
        for await (const value of cache.values({ backwards: true, fromKey: ts, limit: 1 })) return value;
        return undefined;
      };
      should(await at(1700000001.5)).equal('at 1700000001.5');
      should(await at(1700000002.7)).equal('at 1700000001.5');
      should(await at(1e12)).equal('at 1700000002.75');
      should(await at(-0.5)).equal('at -3.5');
      should(await at(-4)).be.undefined();
      should(await collect(cache.keys({ fromKey: 0.1 }))).eql([1700000000.25, 1700000001.5, 1700000002.75]);
      should(await collect(cache.keys())).eql([-3.5, 0, 1700000000.25, 1700000001.5, 1700000002.75]);
    });
  });

  describe('wide columns', () => {
    it('putEntity/getEntity store and return [name, value] pairs', async () => {
      await cache.putEntity('key', ['a', 'b'], [1, { two: 2 }]);
      should(await cache.getEntity('key')).eql([['a', 1], ['b', { two: 2 }]]);
      should(await cache.getEntity('missing')).be.undefined();
    });

    it('sees a plain value as the default column "" and an entity’s "" column as its value', async () => {
      await cache.put('plain', 'p');
      await cache.putEntity('wide', ['', 'x'], ['default', 'X']);
      await cache.putEntity('nodefault', ['x'], [1]);
      should(await cache.getEntity('plain')).eql([['', 'p']]);
      should(await cache.get('wide')).equal('default');
      should(await cache.get('nodefault')).be.undefined();
      should(await collect(cache.entities())).eql([
        ['nodefault', [['x', 1]]],
        ['plain', [['', 'p']]],
        ['wide', [['', 'default'], ['x', 'X']]],
      ]);
      should(await collect(cache.columns({ prefix: 'w' }))).eql([[['', 'default'], ['x', 'X']]]);
    });

    it('rejects mismatched names and values, and duplicate names', async () => {
      await should(cache.putEntity('k', ['a'], [1, 2])).be.rejectedWith(TypeError);
      await should(cache.putEntity('k', ['a', 'a'], [1, 2])).be.rejectedWith(/duplicate column/);
    });
  });

  describe('batches and ranges', () => {
    it('write(batch) applies puts, deletes and range deletes at once', async () => {
      await cache.put('gone', 1);
      const batch = cache.batch().put('a', 1).put('b', 2).delete('gone').putEntity('e', ['c'], [3]);
      should(batch.length).equal(4);
      should(await cache.has('a')).be.false();
      await cache.write(batch);
      should(await collect(cache.items())).eql([['a', 1], ['b', 2], ['e', undefined]]);
      await cache.write(cache.batch().deleteRange('a', 'c'));
      should(await collect(cache.keys())).eql(['e']);
    });

    it('a bad key fails when added, before anything is written', async () => {
      const batch = cache.batch().put('ok', 1);
      should(() => batch.put({} as unknown as Key, 2)).throw(TypeError);
      should(await cache.has('ok')).be.false();
    });

    it('refuses a batch of another database', async () => {
      const other = new Cache(tempDir());
      try {
        await should(cache.write(other.batch().put('x', 1))).be.rejectedWith(/batch\(\) of a cache on the same database/);
      } finally {
        await other.close();
      }
    });

    it('deleteRange(begin, end) excludes end', async () => {
      for (let i = 0; i < 10; i++) await cache.put(i, i);
      await cache.deleteRange(2, 5);
      should(await collect(cache.keys())).eql([0, 1, 5, 6, 7, 8, 9]);
      await cache.put('s1', 1);
      await cache.put('s2', 2);
      await cache.deleteRange('s1', 's2');
      should(await collect(cache.keys({ prefix: 's' }))).eql(['s2']);
    });
  });

  describe('snapshot', () => {
    it('reads the data as it was when taken', async () => {
      await cache.put('a', 1);
      await cache.put('b', 2);
      const snapshot = await cache.snapshot();
      await cache.put('a', 100);
      await cache.delete('b');
      await cache.put('c', 3);
      should(await snapshot.get('a')).equal(1);
      should(await snapshot.get('b')).equal(2);
      should(await snapshot.has('c')).be.false();
      should(await snapshot.getMany(['a', 'c'])).eql([1, undefined]);
      should(await collect(snapshot.items())).eql([['a', 1], ['b', 2]]);
      should(await collect(cache.items())).eql([['a', 100], ['c', 3]]);
      await snapshot.close();
      await should(snapshot.get('a')).be.rejectedWith(/snapshot is closed/);
    });

    it('becomes invalid, with a clear error, when the database reopens', async () => {
      await cache.put('a', 1);
      const snapshot = await cache.snapshot();
      await (await cache.createColumnFamily('extra')).close();
      await should(snapshot.get('a')).be.rejectedWith(/no longer valid/);
      should(await cache.get('a')).equal(1);
    });
  });

  describe('transaction()', () => {
    it('returns the callback result and passes the cache', async () => {
      const result = await cache.transaction('k', async (c) => {
        should(c).equal(cache);
        await c.put('k', 1);
        return 'done';
      });
      should(result).equal('done');
    });

    it('releases the lock when the callback throws', async () => {
      await should(cache.transaction('k', () => Promise.reject(new Error('boom')))).be.rejectedWith('boom');
      should(await cache.transaction('k', () => 'next')).equal('next');
    });
  });
});
