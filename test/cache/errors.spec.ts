import { type ChildProcess, fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import should from 'should';
import { Cache, CacheOpenError } from '../../lib/cache';
import type { Key } from '../../lib/interfaces';
import { collect, rejection, removeTempDirs, sleep, tempDir } from './helpers';

function startHolder(dir: string): Promise<ChildProcess> {
  const child = fork(path.join(__dirname, 'fixtures', 'holder.js'), [dir]);
  return new Promise((resolve, reject) => {
    child.once('message', (msg) => (msg === 'ready' ? resolve(child) : reject(new Error(String(msg)))));
    child.once('exit', (code) => reject(new Error(`holder exited with ${code}`)));
  });
}

describe('Cache errors', () => {
  afterEach(removeTempDirs);

  describe('unwritable paths', () => {
    it('rejects a path under a regular file', async () => {
      const file = path.join(tempDir(), 'file');
      fs.writeFileSync(file, 'x');
      const cache = new Cache(path.join(file, 'db'));
      const err = await cache.ready().then(() => undefined, (e: unknown) => e);
      should(err).be.instanceOf(CacheOpenError).and.match({ path: path.join(file, 'db'), problem: 'not-writable', locked: false });
      should((err as Error).message).match(/Cannot open cache at .*file\/db: not a writable directory/);
      await should(cache.put('k', 1)).be.rejectedWith(/not a writable directory/);
      await cache.close();
    });

    it('rejects paths under /proc quickly instead of hanging', async () => {
      for (const dir of ['/proc/self/slipstream-db', '/proc/slipstream-missing/db', '/proc/sys']) {
        const cache = new Cache(dir, { openTimeout: 5000 });
        await should(cache.ready()).be.rejectedWith(/Cannot open cache at \/proc/);
        await cache.close();
      }
    });

    it('rejects a read-only directory', async function () {
      if (process.getuid?.() === 0) this.skip(); // root writes through chmod
      const dir = tempDir();
      fs.chmodSync(dir, 0o500);
      const cache = new Cache(path.join(dir, 'db'));
      try {
        await should(cache.ready()).be.rejectedWith(/not a writable directory/);
      } finally {
        fs.chmodSync(dir, 0o700);
        await cache.close();
      }
    });

    it('bounds the open with a timeout and releases a late open', async () => {
      const dir = tempDir();
      const hasty = new Cache(dir, { openTimeout: 0 });
      await should(hasty.ready()).be.rejectedWith({ name: 'CacheOpenError', problem: 'timeout', message: /did not finish within 0 ms/ });
      await hasty.close();
      await sleep(500);
      const cache = new Cache(dir);
      await cache.put('k', 1);
      should(await cache.get('k')).equal(1);
      await cache.close();
    });
  });

  it('reports a directory locked by another process, and opens once it is released', async () => {
    const dir = tempDir();
    const holder = await startHolder(dir);
    const cache = new Cache(dir);
    try {
      await should(cache.get('held')).be.rejectedWith({ name: 'CacheOpenError', locked: true, problem: 'locked', path: dir, message: /locked by another process/ });
    } finally {
      holder.send('exit');
      await new Promise((resolve) => holder.once('exit', resolve));
    }
    should(await cache.get('held')).equal(true);
    await cache.close();
  });

  it('a read still queued when the cache closes fails and does not reopen the database', async () => {
    const dir = tempDir();
    const cache = new Cache(dir);
    await cache.put('k', 1);
    await cache.flush();
    const reading = cache.getMany(Array.from({ length: 10 }, (_, i) => `cold ${i}`));
    await cache.close();
    await should(reading).be.rejectedWith(/is closed/);
    // Not locked by a handle left open: another process can open it.
    const holder = await startHolder(dir);
    holder.send('exit');
    await new Promise((resolve) => holder.once('exit', resolve));
  });

  it('follows another process read-only and catches up on request', async () => {
    const dir = tempDir();
    const writer = new Cache(dir);
    await writer.put('a', 1);
    await writer.flush(); // a follower sees what the writer has written, not its buffer
    const follower = new Cache(dir, { readOnly: true });
    should(await follower.get('a')).equal(1);
    await writer.put('b', 2);
    await writer.flush();
    should(await follower.has('b')).be.false();
    await follower.tryCatchUpWithPrimary();
    should(await follower.get('b')).equal(2);
    await should(follower.put('c', 3)).be.rejectedWith(/read-only/);
    await should(writer.tryCatchUpWithPrimary()).be.rejectedWith(/readOnly: true/);
    await Promise.all([follower.close(), writer.close()]);
  });

  it('rejects unsupported key types with a TypeError, storing nothing', async () => {
    const cache = new Cache(tempDir());
    for (const bad of [{ a: 1 }, undefined, null, 5n, Symbol('s'), NaN]) {
      const key = bad as unknown as Key;
      const attempts: Array<Promise<unknown>> = [
        cache.put(key, 1),
        cache.get(key),
        cache(key, 1),
        cache.transaction(key, () => 1),
      ];
      // `prefix: undefined` means no prefix.
      if (bad !== undefined) attempts.push(collect(cache.keys({ prefix: key })));
      for (const attempt of attempts) {
        const err = await rejection(attempt);
        should(err).be.instanceOf(TypeError);
        should(err.message).match(/Unsupported cache key/);
      }
    }
    should(await collect(cache.keys())).eql([]);
    await cache.close();
  });

  it('fails every use after close with a clear error', async () => {
    const cache = new Cache(tempDir());
    await cache.put('k', 1);
    await cache.close();
    const closed = /Cache at .* \(column family "default"\) is closed/;
    await should(cache.get('k')).be.rejectedWith(closed);
    await should(cache.put('k', 2)).be.rejectedWith(closed);
    await should(cache('k', 2)).be.rejectedWith(closed);
    await should(cache.has('k')).be.rejectedWith(closed);
    await should(cache.getMany(['k'])).be.rejectedWith(closed);
    await should(cache.transaction('k', () => 1)).be.rejectedWith(closed);
    await should(collect(cache.items())).be.rejectedWith(closed);
    await should(cache.snapshot()).be.rejectedWith(closed);
    await should(cache.flush()).be.rejectedWith(closed);
    should(() => cache.getColumnFamily('x')).throw(closed);
    await cache.close(); // twice is fine
  });

  it('says which members rocksdb-native cannot do, and what to use instead', async () => {
    const cache = new Cache(tempDir());
    const unsupported = /is not supported: rocksdb-native cannot do it — \w+/;
    await should(cache.latestSequenceNumber()).be.rejectedWith(unsupported);
    await should(cache.setOptions({ write_buffer_size: '1' })).be.rejectedWith(unsupported);
    await should(cache.ingestExternalFile(['/tmp/x.sst'])).be.rejectedWith(unsupported);
    await should(cache.cancelAllBackground()).be.rejectedWith(unsupported);
    await should(cache.dropColumnFamily('x')).be.rejectedWith(unsupported);
    await should(Cache.repair(cache.path())).be.rejectedWith(unsupported);
    await cache.close();
  });
});
