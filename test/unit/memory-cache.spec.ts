import should from 'should';
import { ICache, isKeyedSink, MemoryCache, type Key } from '../../lib';

describe('MemoryCache', () => {
  it('is a callable keyed sink and an ICache', () => {
    const cache = new MemoryCache();
    should(typeof cache).equal('function');
    should(cache).be.instanceOf(MemoryCache);
    should(cache).be.instanceOf(ICache);
    should(isKeyedSink(cache)).be.true();
  });

  it('gets, puts, deletes and checks keys', async () => {
    const cache = new MemoryCache<string>();
    should(await cache.has('prize')).be.false();
    should(await cache.get('prize')).be.undefined();
    should(await cache.get('prize', 'none')).equal('none');
    await cache.put('prize', '🏆');
    should(await cache.get('prize')).equal('🏆');
    should(await cache.has('prize')).be.true();
    should(cache.size).equal(1);
    await cache.delete('prize');
    should(await cache.has('prize')).be.false();
    should(cache.size).equal(0);
  });

  it('keeps keys of different types apart and compares Buffers by content', async () => {
    const cache = new MemoryCache<string>();
    const keys: Array<[Key, string]> = [
      [123, 'number'],
      ['123', 'string'],
      [true, 'boolean'],
      ['true', 'string true'],
      [Buffer.from('123'), 'buffer'],
    ];
    for (const [key, value] of keys) await cache.put(key, value);
    for (const [key, value] of keys) should(await cache.get(key)).equal(value);
    should(await cache.get(Buffer.from('123'))).equal('buffer'); // another Buffer, same bytes
    should(cache.size).equal(5);
  });

  it('rejects unsupported key types', async () => {
    const cache = new MemoryCache();
    await should(cache.put({} as unknown as Key, 1)).be.rejectedWith('Unsupported cache key type: object');
    await should(cache.get(null as unknown as Key)).be.rejectedWith('Unsupported cache key type: null');
  });

  it('stores and publishes to listeners when called', async () => {
    const cache = new MemoryCache<number>();
    const updates = cache[Symbol.asyncIterator]();
    await cache('a', 1);
    await cache('b', 2);
    should(await cache.get('a')).equal(1);
    should(await updates.next()).eql({ done: false, value: ['a', 1] });
    should(await updates.next()).eql({ done: false, value: ['b', 2] });
    await updates.return?.();
  });

  it('does not mix the updates of two caches', async () => {
    const a = new MemoryCache<number>();
    const b = new MemoryCache<number>();
    const updates = a[Symbol.asyncIterator]();
    await b('x', 1);
    await a('y', 2);
    should(await updates.next()).eql({ done: false, value: ['y', 2] });
    await updates.return?.();
  });
});
