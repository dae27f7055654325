import { execFile, fork } from 'node:child_process';
import path from 'node:path';
import should from 'should';
import { Cache } from '../../lib/cache';
import { loadEngine } from '../../lib/cache/engine';
import { WHOLE_FAMILY_BYTES } from '../../lib/cache/write-back';
import { commitBarrier } from '../../lib/core/commit-barrier';
import { collect, removeTempDirs, sleep, tempDir, waitFor } from './helpers';

/** Nothing flushes by itself: only what a test does. */
const MANUAL = { bufferKeys: 1_000_000, flushInterval: 3_600_000 };

/** What is in RocksDB, not in a buffer: read by a read-only follower of the directory. */
async function onDisk(dir: string, key: string | number): Promise<unknown> {
  const follower = new Cache(dir, { readOnly: true });
  try {
    return await follower.get(key);
  } finally {
    await follower.close();
  }
}

/** Counts read batches made on the real engine (it still does the work) until `restore()`. */
function countReadBatches(): { readonly count: number; restore(): void } {
  const engine = loadEngine().prototype as unknown as { read: (...args: unknown[]) => unknown };
  const read = engine.read;
  const counter = { count: 0, restore: () => void (engine.read = read) };
  engine.read = function (this: unknown, ...args: unknown[]) {
    counter.count++;
    return read.apply(this, args);
  };
  return counter;
}

describe('Cache write-back', () => {
  afterEach(removeTempDirs);

  it('reads its own buffered writes and deletes before they are on disk', async () => {
    const dir = tempDir();
    const cache = new Cache(dir, MANUAL);
    await cache.put('a', 1);
    await cache.put('b', 2);
    await cache.delete('b');
    await cache.putEntity('e', ['x'], [1]);
    should(await cache.get('a')).equal(1);
    should(await cache.has('b')).be.false();
    should(await cache.getMany(['a', 'b', 'missing'])).eql([1, undefined, undefined]);
    should(await cache.getEntity('e')).eql([['x', 1]]);
    await cache.flush(); // creates the database files a follower needs
    await cache.put('c', 3);
    should(await onDisk(dir, 'c')).be.undefined();
    should(await cache.get('c')).equal(3);
    await cache.close();
  });

  it('writes a key changed again before the flush once, with its last change; a change made while a flush is on its way goes in the next one', async () => {
    const dir = tempDir();
    const cache = new Cache(dir, MANUAL);
    await cache.put('a', 1);
    await cache.put('a', 2);
    await cache.put('b', 1);
    await cache.delete('b');
    await cache.delete('c');
    await cache.put('c', 5);
    await cache.flush();
    should([await onDisk(dir, 'a'), await onDisk(dir, 'b'), await onDisk(dir, 'c')]).eql([2, undefined, 5]);
    await cache.put('a', 3);
    const flushing = cache.flush();
    await new Promise((resolve) => setImmediate(resolve)); // the flush has taken the buffer: 3
    await cache.put('a', 4);
    await flushing;
    should(await onDisk(dir, 'a')).equal(3);
    should(await cache.get('a')).equal(4);
    await cache.flush();
    should(await onDisk(dir, 'a')).equal(4);
    await cache.close();
  });

  it('reads the misses of one tick in one native batch, and hot keys without RocksDB', async () => {
    const cache = new Cache(tempDir(), { ...MANUAL, hotKeys: 100 });
    for (let i = 0; i < 1_000; i++) await cache.put(i, i);
    await cache.close(); // a fresh cache: nothing hot
    const reopened = new Cache(cache.path(), { ...MANUAL, hotKeys: 100 });
    await reopened.ready();
    const batches = countReadBatches();
    try {
      const values = await Promise.all(Array.from({ length: 500 }, (_, i) => reopened.get(i)));
      should(values).eql(Array.from({ length: 500 }, (_, i) => i));
      should(batches.count).equal(1);
      await reopened.get(499); // among the 100 most recently read
      await reopened.getMany([498, 497]);
      should(batches.count).equal(1);
      await reopened.get(0); // evicted
      should(batches.count).equal(2);
    } finally {
      batches.restore();
      await reopened.close();
    }
  });

  it('reads a column family that fits the hot keys whole at its first miss, and answers absent keys without RocksDB', async () => {
    const cache = new Cache(tempDir(), MANUAL);
    for (let i = 0; i < 50; i++) await cache.put(i, `v${i}`);
    await cache.close();
    const reopened = new Cache(cache.path(), { ...MANUAL, hotKeys: 100 });
    await reopened.ready();
    const batches = countReadBatches();
    try {
      should(await reopened.getMany(Array.from({ length: 60 }, (_, i) => i))).eql(Array.from({ length: 60 }, (_, i) => (i < 50 ? `v${i}` : undefined)));
      should(await reopened.has('never written')).be.false();
      await reopened.put('new', 1);
      await reopened.delete(3);
      await reopened.flush();
      should(await reopened.getMany(['new', 3, 4])).eql([1, undefined, 'v4']);
      should(batches.count).equal(0);
    } finally {
      batches.restore();
      await reopened.close();
    }
  });

  it('reads key by key again once a hot key was dropped or a range deleted', async () => {
    const dir = tempDir();
    const cache = new Cache(dir, { ...MANUAL, hotKeys: 60 });
    for (let i = 0; i < 50; i++) await cache.put(i, i);
    await cache.flush();
    const batches = countReadBatches();
    try {
      should(await cache.get('absent')).be.undefined();
      should(batches.count).equal(0); // the 50 keys on disk are hot: the family is held whole
      for (let i = 50; i < 70; i++) await cache.put(i, i);
      await cache.flush(); // 70 keys: the oldest hot keys are dropped
      should(await cache.getMany([0, 69, 'absent again'])).eql([0, 69, undefined]);
      should(batches.count).equal(1);
    } finally {
      batches.restore();
      await cache.close();
    }

    const ranged = new Cache(tempDir(), { ...MANUAL, hotKeys: 100 });
    for (let i = 0; i < 10; i++) await ranged.put(i, i);
    await ranged.flush();
    const afterRange = countReadBatches();
    try {
      should(await ranged.get('absent')).be.undefined();
      await ranged.deleteRange(2, 5);
      await ranged.flush();
      should(await ranged.getMany([1, 2, 5, 'absent'])).eql([1, undefined, 5, undefined]);
      should(afterRange.count).equal(1);
    } finally {
      afterRange.restore();
      await ranged.close();
    }
  });

  it('drops the least recently used hot key: a key read once the hot keys are three quarters of the bound stays', async () => {
    const cache = new Cache(tempDir(), { ...MANUAL, hotKeys: 8 });
    for (let i = 0; i < 8; i++) await cache.put(i, i);
    await cache.flush(); // 8 hot keys, oldest first: 0 … 7
    should(await cache.get(0)).equal(0); // read: the most recently used now
    await cache.put(8, 8);
    await cache.flush(); // 9 keys: the least recently used goes, which is 1, not 0
    const batches = countReadBatches();
    try {
      should(await cache.get(0)).equal(0);
      should(batches.count).equal(0);
      should(await cache.get(1)).equal(1);
      should(batches.count).equal(1);
    } finally {
      batches.restore();
      await cache.close();
    }
  });

  it('does not read a column family whole when its values exceed WHOLE_FAMILY_BYTES', async function () {
    this.timeout(60_000);
    const big = Buffer.alloc(1024 * 1024, 7);
    const cache = new Cache(tempDir(), MANUAL);
    const count = WHOLE_FAMILY_BYTES / big.length + 1;
    for (let i = 0; i < count; i++) await cache.put(i, big);
    await cache.close();
    const reopened = new Cache(cache.path(), MANUAL);
    const batches = countReadBatches();
    try {
      should(await reopened.get('absent')).be.undefined();
      should(batches.count).equal(1);
      should(Buffer.compare((await reopened.get(count - 1)) as Buffer, big)).equal(0);
    } finally {
      batches.restore();
      await reopened.close();
    }
  });

  it('shares one buffer between Cache objects on one path: each sees the other’s writes', async () => {
    const dir = tempDir();
    const [a, b] = [new Cache(dir, MANUAL), new Cache(dir, MANUAL)];
    await a.put('k', 'from a');
    should(await b.get('k')).equal('from a');
    await b.delete('k');
    should(await a.has('k')).be.false();
    await b.put('j', 'from b');
    await a.flush(); // one flush writes what both buffered
    should(await onDisk(dir, 'j')).equal('from b');
    await Promise.all([a.close(), b.close()]);
  });

  it('writes the buffer before iterators, snapshots and properties read RocksDB', async () => {
    const cache = new Cache(tempDir(), MANUAL);
    await cache.put(1, 'one');
    await cache.put(2, 'two');
    should(await collect(cache.items())).eql([
      [1, 'one'],
      [2, 'two'],
    ]);
    await cache.put(3, 'three');
    const snapshot = await cache.snapshot();
    await cache.put(4, 'four');
    should(await collect(snapshot.keys())).eql([1, 2, 3]);
    await snapshot.close();
    await cache.put(5, 'five');
    should(await cache.propertyIntValue('rocksdb.estimate-num-keys')).equal(5);
    await cache.close();
  });

  it('applies a range delete in order with the buffered writes around it', async () => {
    const cache = new Cache(tempDir(), MANUAL);
    for (let i = 0; i < 10; i++) await cache.put(i, i);
    await cache.flush();
    should(await cache.get(5)).equal(5); // now a hot key
    await cache.put(4, 'buffered');
    await cache.deleteRange(2, 8);
    await cache.put(6, 'after');
    should(await cache.getMany([1, 4, 5, 6, 8])).eql([1, undefined, undefined, 'after', 8]);
    should(await collect(cache.keys())).eql([0, 1, 6, 8, 9]);
    await cache.close();
  });

  it('flushes on its timer, from a half full buffer on, at the commit barrier and on close', async () => {
    const dir = tempDir();
    const timed = new Cache(dir, { flushInterval: 20 });
    await timed.put('timer', 1);
    await timed.flush();
    await timed.put('timer', 2);
    await sleep(200);
    should(await onDisk(dir, 'timer')).equal(2);
    await timed.close();

    const full = new Cache(dir, { bufferKeys: 10, flushInterval: 3_600_000 });
    for (let i = 0; i < 4; i++) await full.put(i, i);
    should(await onDisk(dir, 3)).be.undefined();
    await full.put(4, 4); // half full: a flush starts, the writer goes on
    await waitFor(async () => (await onDisk(dir, 4)) === 4, 5_000, 'the half full buffer to be flushed', 20);
    should(await onDisk(dir, 0)).equal(0);
    // Ten keys at once: the fifth queues a flush, the tenth fills the buffer and waits for it.
    const puts = Array.from({ length: 10 }, (_, i) => full.put(`burst ${i}`, i));
    await puts[9];
    should(await onDisk(dir, 'burst 9')).equal(9);
    should(await onDisk(dir, 'burst 0')).equal(0);

    await full.put('barrier', true);
    await commitBarrier();
    should(await onDisk(dir, 'barrier')).be.true();

    await full.put('close', true);
    await full.close();
    should(await onDisk(dir, 'close')).be.true();
  });

  it('with writeBack: false a write resolves once it is in RocksDB', async () => {
    const dir = tempDir();
    const cache = new Cache(dir, { writeBack: false, flushInterval: 3_600_000 });
    await cache.put('first', 1);
    await Promise.all(Array.from({ length: 100 }, (_, i) => cache.put(i, i)));
    should(await onDisk(dir, 'first')).equal(1);
    should(await onDisk(dir, 99)).equal(99);
    await cache.close();
  });

  it('keeps what was written before `await cache.flush()` when the process is then SIGKILLed', async function () {
    this.timeout(60_000);
    const dir = tempDir();
    const count = 20_000;
    const child = fork(path.join(__dirname, 'fixtures', 'flusher.js'), [dir, String(count)]);
    await new Promise<void>((resolve, reject) => {
      child.on('message', (msg) => (msg === 'flushed' ? child.kill('SIGKILL') : reject(new Error(String(msg)))));
      child.on('exit', (code, signal) =>
        signal === 'SIGKILL' ? resolve() : reject(new Error(`writer exited early: ${code} ${signal}`)),
      );
    });
    const cache = new Cache(dir);
    const values = await cache.getMany(Array.from({ length: count }, (_, i) => i));
    should(values.filter((value, i) => value !== `value ${i}`).length).equal(0);
    await cache.close();
  });

  it('a failed flush (a real I/O error) rejects the barrier and every later operation', async function () {
    this.timeout(60_000);
    // 2,000 KiB: the WAL cannot hold the 4 MB the child buffers, and the write fails with EFBIG.
    const fixture = path.join(__dirname, 'fixtures', 'full-disk.js');
    const { stdout } = await new Promise<{ stdout: string }>((resolve, reject) =>
      execFile('bash', ['-c', 'ulimit -f 2000 && exec "$0" "$1" "$2"', process.execPath, fixture, tempDir()], (err, out) =>
        err ? reject(err) : resolve({ stdout: out }),
      ),
    );
    const report = JSON.parse(stdout) as Record<string, { ok: boolean; name?: string; message?: string; changes?: number }>;
    const failed = { ok: false, name: 'CacheWriteError', changes: 40 };
    should(report.barrier).match({ ...failed, message: /writing 40 buffered change\(s\) failed; they are not on disk/ });
    for (const later of ['put', 'get', 'flush', 'barrierAgain', 'close']) should(report[later]).match(failed);
  });

  it('keeps exact totals of concurrent transactions across two caches, with flushes and evictions under way', async () => {
    const dir = tempDir();
    const options = { bufferKeys: 7, hotKeys: 3 };
    const [a, b] = [new Cache<number>(dir, options), new Cache<number>(dir, options)];
    const keys = 10;
    const perKey = 500;
    await Promise.all(
      Array.from({ length: keys * perKey }, (_, i) =>
        (i % 2 ? a : b).transaction(`n${i % keys}`, async (c) => {
          const key = `n${i % keys}`;
          const old = (await c.get(key)) ?? 0;
          if (i % 3 === 0) await sleep(0);
          await c.put(key, old + 1);
        }),
      ),
    );
    const names = Array.from({ length: keys }, (_, k) => `n${k}`);
    should(await a.getMany(names)).eql(names.map(() => perKey));
    await Promise.all([a.close(), b.close()]);
    const reopened = new Cache<number>(dir);
    should(await reopened.getMany(names)).eql(names.map(() => perKey));
    await reopened.close();
  });

  it('refuses unknown options and bad write-back settings with a TypeError naming them', () => {
    const dir = tempDir();
    const bad: Array<[object, RegExp]> = [
      [{ writeback: false }, /Unknown Cache option\(s\): writeback \(known: .*writeBack/],
      [{ writeBack: 'no' }, /writeBack must be true or false/],
      [{ bufferKeys: 0 }, /bufferKeys must be an integer >= 1, got 0/],
      [{ flushInterval: -1 }, /flushInterval must be a number of ms > 0, got -1/],
      [{ hotKeys: 1.5 }, /hotKeys must be an integer >= 0, got 1.5/],
    ];
    for (const [options, message] of bad) should(() => new Cache(dir, options as never)).throw(TypeError, { message });
  });
});
