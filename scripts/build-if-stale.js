'use strict';
// Rebuild dist/ (scripts/build.js) when a source compiled or copied into it is
// newer than the last build; `npm start` and `npm run bench` call this first.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
/** Every build writes it anew (build.js empties dist/ first). */
const stamp = path.join(root, 'dist', 'lib', 'index.js');

/** What the build compiles (see tsconfig.json) and copies (the nodes' editor files). */
const sources = ['lib', 'nodes', 'test', 'bench', 'examples-lib'];

/** The newest modification time of the files under `dir`, or `newest` when that is later (bench results are outputs). */
function newestSource(dir, newest) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'results' || entry.name.startsWith('.')) continue;
    const file = path.join(dir, entry.name);
    newest = entry.isDirectory() ? newestSource(file, newest) : Math.max(newest, fs.statSync(file).mtimeMs);
  }
  return newest;
}

function newestSources() {
  const dirs = sources.map((name) => path.join(root, name)).filter((dir) => fs.existsSync(dir));
  return dirs.reduce((newest, dir) => newestSource(dir, newest), fs.statSync(path.join(root, 'tsconfig.json')).mtimeMs);
}

/** Builds unless dist/ is newer than every source; exits the process when the build fails. */
function buildIfStale(log) {
  if (fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs >= newestSources()) return;
  log('building…');
  const result = spawnSync(process.execPath, [path.join(__dirname, 'build.js')], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

module.exports = { buildIfStale };
