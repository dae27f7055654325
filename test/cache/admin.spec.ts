import fs from 'node:fs';
import path from 'node:path';
import should from 'should';
import { Cache } from '../../lib/cache';
import { collect, removeTempDirs, tempDir } from './helpers';

/** Text of the newest OPTIONS file RocksDB wrote for the database in `dir`. */
function newestOptions(dir: string): string {
  const name = fs
    .readdirSync(dir)
    .filter((f) => /^OPTIONS-\d+$/.test(f))
    .sort((a, b) => Number(b.slice(8)) - Number(a.slice(8)))[0];
  return fs.readFileSync(path.join(dir, name), 'utf8');
}

describe('Cache maintenance', () => {
  let cache: Cache;

  beforeEach(() => {
    cache = new Cache(tempDir());
  });

  afterEach(async () => {
    await cache.close();
    removeTempDirs();
  });

  it('opens with bounded defaults (25 MB tables) that options override', async () => {
    await cache.ready();
    should(newestOptions(cache.path())).match(/write_buffer_size=26214400\b/);
    const small = new Cache(tempDir(), { targetTableSize: 8 * 1024 * 1024, maxWriteBufferNumber: 3 });
    await small.ready();
    should(newestOptions(small.path())).match(/write_buffer_size=8388608\b/).and.match(/max_write_buffer_number=3\b/);
    await small.close();
  });

  it('flush() writes an SST file that liveFiles() describes with decoded keys', async () => {
    for (let i = 0; i < 100; i++) await cache.put(i, i);
    should(await cache.liveFiles()).eql([]);
    await cache.flush();
    const files = await cache.liveFiles();
    should(files).have.length(1);
    should(files[0]).match({ columnFamilyName: 'default', level: 0, startKey: 0, endKey: 99, smallestSeqno: 1, largestSeqno: 100 });
    should(files[0].name).match(/^\/\d{6}\.sst$/);
    should(fs.statSync(path.join(cache.path(), files[0].name)).size).equal(files[0].size);
  });

  it('reads properties as text and as integers', async () => {
    await cache.put('a', 1);
    should(await cache.propertyValue('rocksdb.stats')).match(/Compaction Stats/);
    should(await cache.propertyIntValue('rocksdb.estimate-num-keys')).equal(1);
    should(await cache.propertyValue('rocksdb.no-such-property')).be.undefined();
    should(await cache.propertyIntValue('rocksdb.stats')).be.undefined();
  });

  it('compactRange over a key range and over everything keeps the data', async () => {
    for (let i = 0; i < 50; i++) await cache.put(i, `v${i}`);
    await cache.flush();
    for (let i = 0; i < 50; i += 2) await cache.delete(i);
    await cache.flush();
    await cache.compactRange(10, 20);
    await cache.compactRange();
    should(await collect(cache.keys())).eql(Array.from({ length: 25 }, (_, i) => 2 * i + 1));
    should((await cache.liveFiles()).every((f) => f.level > 0)).be.true();
  });

  it('flushWal() persists the memtables of every column family', async () => {
    const other = await cache.createColumnFamily('other');
    await cache.put('a', 1);
    await other.put('b', 2);
    await cache.flushWal();
    const families = (await cache.liveFiles()).map((f) => f.columnFamilyName).sort();
    should(families).eql(['default', 'other']);
    await other.close();
  });

  it('destroy() deletes the database, once no other cache has it open', async () => {
    await cache.put('a', 1);
    const other = new Cache(cache.path());
    await other.ready();
    await should(cache.destroy()).be.rejectedWith(/other caches still have it open/);
    should(fs.existsSync(cache.path())).be.true();
    await other.destroy();
    should(fs.existsSync(cache.path())).be.false();
  });
});
