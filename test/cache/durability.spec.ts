import { fork } from 'node:child_process';
import path from 'node:path';
import should from 'should';
import { Cache } from '../../lib/cache';
import { removeTempDirs, tempDir } from './helpers';

describe('Cache durability', () => {
  afterEach(removeTempDirs);

  it('with writeBack: false, keeps every write that had resolved when the writer is SIGKILLed', async () => {
    const dir = tempDir();
    const total = 100_000;
    const child = fork(path.join(__dirname, 'fixtures', 'writer.js'), [dir, String(total)]);
    let resolved = 0;
    const killAt = 20_000 + Math.floor(Math.random() * 20_000);
    await new Promise<void>((resolve, reject) => {
      child.on('message', (msg) => {
        if (typeof msg !== 'number') return reject(new Error(String(msg)));
        resolved = msg;
        if (resolved === killAt) child.kill('SIGKILL');
      });
      child.on('exit', (code, signal) =>
        signal === 'SIGKILL' ? resolve() : reject(new Error(`writer exited early: ${code} ${signal}`)),
      );
    });
    should(resolved).be.aboveOrEqual(killAt);
    should(resolved).be.below(total);

    const cache = new Cache(dir);
    const keys = Array.from({ length: resolved }, (_, i) => i);
    const values = await cache.getMany(keys);
    const missing = keys.filter((i) => values[i] !== `value ${i}`);
    should(missing).eql([]);
    await cache.close();
  });
});
