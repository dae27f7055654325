import fs from 'node:fs';
import path from 'node:path';
import should from 'should';
import { Cache } from '../../lib/cache';
import { removeTempDirs, tempDir } from './helpers';

/**
 * Writes through two caches in turn, closes both and reopens `dir`: with two
 * handles on one directory, the writes of one of them are lost (issue 14.4).
 */
async function writeThroughBothAndReopen(first: Cache, second: Cache, dir: string): Promise<void> {
  const count = 5_000;
  for (let i = 0; i < count; i++) await (i % 2 ? first : second).put(i, `v${i}`);
  // One handle: what one wrote, the other reads.
  should(await first.get(0)).equal('v0');
  should(await second.get(1)).equal('v1');
  await Promise.all([first.close(), second.close()]);
  const reopened = new Cache(dir);
  const values = await reopened.getMany(Array.from({ length: count }, (_, i) => i));
  await reopened.close();
  should(values.filter((value, i) => value !== `v${i}`).length).equal(0);
}

describe('Cache paths', () => {
  afterEach(removeTempDirs);

  it('opens one handle for a directory and a symlink to it: writes through both survive a reopen', async () => {
    const root = tempDir();
    const dir = path.join(root, 'db');
    fs.mkdirSync(dir);
    fs.symlinkSync(dir, path.join(root, 'link'));
    const direct = new Cache(dir);
    const linked = new Cache(path.join(root, 'link'));
    should(linked.path()).equal(path.join(root, 'link'));
    await writeThroughBothAndReopen(direct, linked, dir);
  });

  it('resolves symlinks of the nearest existing ancestor when the directory does not exist yet', async () => {
    const root = tempDir();
    fs.mkdirSync(path.join(root, 'real'));
    fs.symlinkSync(path.join(root, 'real'), path.join(root, 'alias'));
    const dir = path.join(root, 'real', 'new', 'db');
    await writeThroughBothAndReopen(new Cache(path.join(root, 'alias', 'new', 'db')), new Cache(dir), dir);
  });

  it('refuses an empty path with a TypeError instead of opening the working directory', () => {
    for (const bad of ['', '   ', undefined, null, 42]) {
      should(() => new Cache(bad as unknown as string)).throw(TypeError, {
        message: /^Cache path must be a non-empty string \(a directory\), got /,
      });
    }
  });
});
