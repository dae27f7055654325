// The package as users get it: `npm pack` from a clean checkout (no dist/ until
// the package's own scripts build it), the tarball installed with npm into a fresh
// Node-RED user directory, and Node-RED 4.1 started on that directory.
//
// Skipped, saying so, only when npm cannot reach the registry for the install's
// dependencies (kafkajs, rocksdb-native) and does not have them in its cache.
import should from 'should';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type RunningNodeRed, startNodeRedEditor, writeNodeRedSettings } from '../support/node-red-process';
import { cleanCheckout, installTarball, npmPack, runCommand } from '../support/npm-package';
import { NODE_TYPES } from '../support/node-types';

const root = path.resolve(__dirname, '..', '..', '..');
const PACKAGE = 'node-red-contrib-slipstream';
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  main: string;
  types: string;
  'node-red': { nodes: Record<string, string> };
};


/** The example flows in the repository, by the name Import › Examples shows. */
const EXAMPLES = fs
  .readdirSync(path.join(root, 'examples'))
  .filter((file) => file.endsWith('.json'))
  .map((file) => file.slice(0, -'.json'.length))
  .sort();

interface NodeSet {
  id: string;
  module: string;
  types: string[];
  enabled: boolean;
  err?: string;
}

describe('the npm package, packed from a clean checkout', function () {
  this.timeout(60_000);
  this.slow(120_000);

  let work: string | undefined;
  let tarball: string;
  let files: string[] = [];

  before(async function () {
    this.timeout(6 * 60_000); // copying, building and packing
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'slipstream-package-'));
    const checkout = path.join(work, 'checkout');
    await cleanCheckout(checkout);
    tarball = await npmPack(checkout, work, 5 * 60_000);
    const listed = await runCommand('tar', ['-tzf', tarball], work, 60_000);
    should(listed.status).equal(0, listed.output);
    files = listed.stdout.split('\n').filter(Boolean).map((file) => file.replace(/^package\//, ''));
  });

  after(() => {
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('the tarball holds the built library with its types, the nodes, the examples, README and LICENSE', () => {
    const expected = [manifest.main, manifest.types, 'README.md', 'LICENSE', 'package.json'];
    for (const file of Object.values(manifest['node-red'].nodes)) {
      // Editor side, and the message catalog and help beside the node file, where Node-RED looks for them.
      const catalog = path.join(path.dirname(file), 'locales', 'en-US', path.basename(file, '.js'));
      expected.push(file, file.replace(/\.js$/, '.html'), `${catalog}.json`, `${catalog}.html`);
    }
    for (const name of EXAMPLES) expected.push(`examples/${name}.json`);
    should(expected.filter((file) => !files.includes(file))).eql([], `missing from the tarball, which holds:\n${files.join('\n')}`);
    const libraryCode = files.filter((file) => file.startsWith('dist/lib/') && file.endsWith('.js'));
    should(libraryCode.filter((file) => !files.includes(file.replace(/\.js$/, '.d.ts')))).eql([], 'library modules without declarations');
  });

  it('the tarball holds no tests, benchmarks, sources, source maps or declarations of the nodes', () => {
    const shipped = (file: string): boolean => /^(dist\/lib\/|dist\/nodes\/|examples\/)/.test(file) || ['README.md', 'LICENSE', 'package.json'].includes(file);
    const declarationOfLibrary = (file: string): boolean => file.startsWith('dist/lib/') && file.endsWith('.d.ts');
    const unwanted = files.filter((file) => !shipped(file) || file.endsWith('.map') || (file.endsWith('.ts') && !declarationOfLibrary(file)));
    should(unwanted).eql([]);
  });

  describe('installed with npm into a fresh Node-RED user directory', () => {
    let userDir: string;
    let red: RunningNodeRed | undefined;

    before(async function () {
      this.timeout(7 * 60_000); // an install of rocksdb-native (~160 MB) and a Node-RED start, each bounded
      userDir = path.join(work!, 'user');
      fs.mkdirSync(userDir);
      const install = await installTarball(userDir, tarball, 5 * 60_000);
      if (!install.installed) {
        console.log(`      skipped: npm cannot reach the registry for the tarball's dependencies (${install.unreachable})`);
        this.skip();
      }
      writeNodeRedSettings(userDir, [], {
        logLevel: 'info',
        settings: { telemetry: { enabled: false, updateNotification: false } },
      });
      red = await startNodeRedEditor(userDir);
    });

    after(async () => {
      await red?.stop();
    });

    async function getJson<T>(route: string): Promise<T> {
      const res = await fetch(new URL(route, red!.url), { headers: { Accept: 'application/json' } });
      should(res.status).equal(200, `GET ${route}: ${await res.clone().text()}`);
      return (await res.json()) as T;
    }

    it('the library loads from the installed package', async () => {
      const script = "const s = require('node-red-contrib-slipstream'); console.log(['Topic', 'Cache', 'Checkpoint', 'handle'].filter((name) => !s[name]).join(','))";
      const loaded = await runCommand(process.execPath, ['-e', script], userDir, 30_000);
      should(loaded.status).equal(0, loaded.output);
      should(loaded.stdout.trim()).equal('', 'exports missing');
    });

    it('Node-RED 4.1 loads every node type of the package without errors', async () => {
      const settings = await getJson<{ version: string }>('settings');
      should(settings.version).match(/^4\.1\./);
      const sets = (await getJson<NodeSet[]>('nodes')).filter((set) => set.module === PACKAGE);
      should(sets.filter((set) => set.err !== undefined || !set.enabled)).eql([], 'node sets that failed to load');
      should(sets.flatMap((set) => set.types).sort()).eql([...NODE_TYPES].sort());
      should(red!.log()).not.match(/\[(warn|error)\].*slipstream/);
    });

    it("serves each node set's message catalog and its help from locales/ (labels, statuses, help in the editor)", async () => {
      const sets = (await getJson<NodeSet[]>('nodes')).filter((set) => set.module === PACKAGE);
      for (const set of sets) {
        const catalog = await getJson<Record<string, unknown>>(`locales/${set.id}?lng=en-US`);
        should(Object.keys(catalog).sort()).eql([...set.types].sort(), `the catalog of ${set.id}`);
      }
      const res = await fetch(new URL('nodes', red!.url), { headers: { Accept: 'text/html' } });
      const editor = await res.text();
      for (const type of NODE_TYPES) should(editor).match(new RegExp(`data-help-name="${type}"`), `help of ${type}`);
    });

    it('Import › Examples lists every example flow of the package, each a flow', async () => {
      const listed = await getJson<Array<{ fn: string }>>(`library/examples/flows/${PACKAGE}`);
      should(listed.map((entry) => entry.fn).sort()).eql(EXAMPLES);
      for (const name of EXAMPLES) {
        const flow = await getJson<unknown>(`library/examples/flows/${PACKAGE}/${name}`);
        should(flow).be.an.Array().and.not.be.empty();
      }
    });
  });
});
