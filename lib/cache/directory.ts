import fs from 'node:fs';
import path from 'node:path';
import { CacheOpenError } from './open-error';

/**
 * Checks done before handing a directory to RocksDB: opening some invalid
 * paths (under /proc) never settles and then keeps the process alive, and
 * Node's own recursive mkdir loops forever there too.
 */
export function ensureWritableDirectory(dir: string): void {
  try {
    makeDirectory(dir);
    const probe = path.join(dir, `.slipstream-probe-${process.pid}`);
    fs.writeFileSync(probe, '');
    fs.unlinkSync(probe);
  } catch (err) {
    throw new CacheOpenError(dir, 'not-writable', `not a writable directory (${(err as Error).message})`, err);
  }
}

export function ensureExistingDatabase(dir: string): void {
  if (!fs.existsSync(path.join(dir, 'CURRENT'))) {
    throw new CacheOpenError(dir, 'no-database', 'no RocksDB database there');
  }
}

/**
 * The directory `dir` (absolute) really is: symlinks resolved. It may not
 * exist yet, so the nearest existing ancestor is resolved and the rest
 * appended. This is the registry key: one RocksDB directory must get one
 * handle per process however it is spelled (a second handle on it loses
 * writes without an error).
 */
export function realDirectory(dir: string): string {
  const missing: string[] = [];
  let existing = dir;
  for (;;) {
    try {
      return path.join(fs.realpathSync.native(existing), ...missing.reverse());
    } catch (err) {
      const parent = path.dirname(existing);
      // Not there (or not reachable): try its parent; the open reports the real problem.
      if (parent === existing || !isMissing(err)) return dir;
      missing.push(path.basename(existing));
      existing = parent;
    }
  }
}

function isMissing(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** `mkdir -p` one level at a time (non-recursive mkdir fails cleanly under /proc). */
function makeDirectory(dir: string): void {
  let stat: fs.Stats | undefined;
  try {
    stat = fs.statSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (stat) {
    if (!stat.isDirectory()) throw new Error(`${dir} exists and is not a directory`);
    return;
  }
  makeDirectory(path.dirname(dir));
  fs.mkdirSync(dir);
}

/**
 * Column families of the database in `dir`, read from its newest `OPTIONS-*`
 * file (rocksdb-native has no ListColumnFamilies). `[]` when there is no
 * database yet.
 */
export function readColumnFamilies(dir: string): string[] {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const newest = entries
    .map((name) => /^OPTIONS-(\d+)$/.exec(name))
    .filter((match): match is RegExpExecArray => match !== null)
    .sort((a, b) => Number(b[1]) - Number(a[1]))[0];
  if (!newest) return [];
  const text = fs.readFileSync(path.join(dir, newest[0]), 'utf8');
  return [...text.matchAll(/^\[CFOptions "((?:[^"\\]|\\.)*)"\]\s*$/gm)].map((m) => m[1].replace(/\\(.)/g, '$1'));
}
