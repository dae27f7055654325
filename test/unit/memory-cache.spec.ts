import should from 'should';
import { ICache, isKeyedSink, MemoryCache } from '../../lib';

describe('MemoryCache', () => {
  it('is a callable keyed sink whose calls store and publish', async () => {
    const cache = new MemoryCache<string>();
    should(cache).be.instanceOf(ICache);
    should(isKeyedSink(cache)).be.true();
    const updates = cache[Symbol.asyncIterator]();
    const next = updates.next();
    await cache('prize', '🏆');
    should(await next).eql({ done: false, value: ['prize', '🏆'] });
    should(await cache.get('prize')).equal('🏆');
  });

  it('keeps keys of different types apart and compares Buffers by content', async () => {
    const cache = new MemoryCache<string>();
    await cache.put(123, 'number');
    await cache.put('123', 'string');
    await cache.put(true, 'boolean');
    await cache.put(Buffer.from('123'), 'buffer');
    should(await cache.get(123)).equal('number');
    should(await cache.get('123')).equal('string');
    should(await cache.get(true)).equal('boolean');
    should(await cache.get(Buffer.from('123'))).equal('buffer');
  });

  it('gets a default for a missing key, deletes, and answers has()', async () => {
    const cache = new MemoryCache<string>();
    should(await cache.get('missing')).be.undefined();
    should(await cache.get('missing', 'fallback')).equal('fallback');
    await cache.put('k', 'v');
    should(await cache.has('k')).be.true();
    await cache.delete('k');
    should(await cache.has('k')).be.false();
  });

  it('rejects unsupported key types', async () => {
    await should(new MemoryCache().put({} as never, 1)).be.rejectedWith(TypeError);
  });
});
