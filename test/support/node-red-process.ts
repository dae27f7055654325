// A real Node-RED runtime in a child process, with this package linked into a
// fresh user directory and the given flow deployed.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');

/**
 * A user directory holding `flow`; `global.get('fs')` is available to function
 * nodes. `packageRoot` is the node-red-contrib-slipstream linked in (this one
 * by default; a benchmark may compare another build).
 */
export function nodeRedUserDir(flow: object[], packageRoot = root): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipstream-red-'));
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(packageRoot, path.join(dir, 'node_modules', 'node-red-contrib-slipstream'), 'dir');
  fs.writeFileSync(
    path.join(dir, 'settings.js'),
    `module.exports = { uiPort: 0, uiHost: '127.0.0.1', flowFile: 'flows.json', credentialSecret: false,
       functionGlobalContext: { fs: require('fs') }, logging: { console: { level: 'warn' } } };\n`,
  );
  fs.writeFileSync(path.join(dir, 'flows.json'), JSON.stringify(flow));
  return dir;
}

/** Node-RED on the user directory `dir`, with Node.js options `execArgv` (e.g. --cpu-prof). */
export function startNodeRed(dir: string, execArgv: string[] = []): ChildProcess {
  return spawn(process.execPath, [...execArgv, require.resolve('node-red/red.js'), '--userDir', dir, '--settings', path.join(dir, 'settings.js')], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}
