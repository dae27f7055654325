import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import should from 'should';

/** dist/ (this file is dist/test/unit/layout.spec.js). */
const dist = path.resolve(__dirname, '../..');
const root = path.resolve(dist, '..');

function filesUnder(dir: string, ending: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name), ending) : e.name.endsWith(ending) ? [path.join(dir, e.name)] : []));
}

describe('layout: lib/ is the library alone', () => {
  it('no source under lib/ imports Node-RED or the nodes', () => {
    const offenders = filesUnder(path.join(root, 'lib'), '.ts').filter((file) =>
      /from '(?:node-red|@node-red\/[^']*|(?:\.\.\/)+nodes\/[^']*)'|require\('(?:node-red|@node-red\/)/.test(fs.readFileSync(file, 'utf8')),
    );
    should(offenders).eql([]);
  });

  it('every module under lib/ belongs to the library (is loaded by its entry point), so node helpers live in nodes/shared/', () => {
    // A fresh process: this one has loaded node helpers through the node tests.
    const script = `
      require(${JSON.stringify(path.join(dist, 'lib', 'index.js'))});
      console.log(JSON.stringify(Object.keys(require.cache)));
    `;
    const loaded = new Set(JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as string[]);
    // Worker thread entries (the produce and consume threads) are started by a loaded module, not loaded by it;
    // what an entry requires of lib/ is loaded in its thread.
    for (const file of [...loaded].filter((f) => f.startsWith(path.join(dist, 'lib')))) {
      const source = path.join(root, path.relative(dist, file)).replace(/\.js$/, '.ts');
      for (const [, name] of fs.readFileSync(source, 'utf8').matchAll(/new Worker\(path\.join\(__dirname, '([^']+)'\)/g)) {
        const entry = path.join(path.dirname(file), name);
        loaded.add(entry);
        for (const [, dependency] of fs.readFileSync(entry, 'utf8').matchAll(/require\("(\.[^"]+)"\)/g)) {
          loaded.add(require.resolve(path.join(path.dirname(entry), dependency)));
        }
      }
    }
    const unused = filesUnder(path.join(dist, 'lib'), '.js').filter((file) => !loaded.has(file));
    should(unused.map((file) => path.relative(dist, file))).eql([]);
  });
});
