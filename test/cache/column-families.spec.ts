import should from 'should';
import { Cache } from '../../lib/cache';
import { collect, removeTempDirs, tempDir } from './helpers';

describe('Cache column families', () => {
  afterEach(removeTempDirs);

  it('creates, lists and reuses column families, persisting them across reopen', async () => {
    const dir = tempDir();
    const cache = new Cache(dir);
    await cache.put('k', 'default value');
    const users = await cache.createColumnFamily('users');
    const orders = await cache.createColumnFamily('orders', { targetTableSize: 4 * 1024 * 1024 });
    await users.put('k', 'user value');
    await orders.put('k', 'order value');
    should(await cache.get('k')).equal('default value');
    should(await users.get('k')).equal('user value');
    should((await Cache.listCf(dir)).sort()).eql(['default', 'orders', 'users']);
    await should(cache.createColumnFamily('users')).be.rejectedWith(/already exists/);
    await Promise.all([users.close(), orders.close(), cache.close()]);

    // A new process would start here: every column family is found and opened.
    const reopened = new Cache(dir, { columnFamily: 'orders' });
    should(await reopened.get('k')).equal('order value');
    const usersAgain = reopened.getColumnFamily('users');
    should(await collect(usersAgain.items())).eql([['k', 'user value']]);
    await Promise.all([usersAgain.close(), reopened.close()]);
  });

  it('keeps a cache usable while another adds a column family under it', async () => {
    const dir = tempDir();
    const cache = new Cache(dir);
    const writes = Array.from({ length: 200 }, (_, i) => cache.put(i, i));
    const created = cache.createColumnFamily('late');
    await Promise.all(writes);
    const late = await created;
    await late.put('x', 1);
    should((await collect(cache.keys())).length).equal(200);
    await Promise.all([late.close(), cache.close()]);
  });

  it('opens a cache on a named column family, creating it unless told not to', async () => {
    const dir = tempDir();
    const a = new Cache(dir, { columnFamily: 'a' });
    await a.put(1, 'one');
    const missing = a.getColumnFamily('missing');
    await should(missing.get(1)).be.rejectedWith(/Column family "missing" does not exist/);
    const strict = new Cache(dir, { columnFamily: 'nope', createColumnFamilyIfMissing: false });
    await should(strict.ready()).be.rejectedWith(/does not exist/);
    should((await Cache.listCf(dir)).sort()).eql(['a', 'default']);
    await Promise.all([missing.close(), strict.close(), a.close()]);
  });

  it('dropColumnFamily says rocksdb-native cannot drop one and what to do', async () => {
    const cache = new Cache(tempDir());
    await should(cache.dropColumnFamily('x')).be.rejectedWith(/not supported: rocksdb-native.*deleteRange/);
    await cache.close();
  });

  it('listCf fails clearly where there is no database', async () => {
    await should(Cache.listCf(tempDir())).be.rejectedWith(/No RocksDB database/);
  });
});
