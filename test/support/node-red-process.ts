// A real Node-RED runtime in a child process, with this package linked into a
// fresh user directory (or installed there by the caller) and the given flow deployed.
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');

export interface SettingsOptions {
  /** Node-RED's console log level (default `warn`); `info` prints the address it listens on. */
  logLevel?: 'error' | 'warn' | 'info' | 'debug';
  /** More settings (JSON-serialisable), e.g. `editorTheme`; they replace the defaults' keys. */
  settings?: Record<string, unknown>;
}

export interface UserDirOptions extends SettingsOptions {
  /** The node-red-contrib-slipstream linked in: this one by default; a benchmark may compare another build. */
  packageRoot?: string;
}

/** A user directory holding `flow`; `global.get('fs')` is available to function nodes. */
export function nodeRedUserDir(flow: object[], options: UserDirOptions = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'slipstream-red-'));
  fs.mkdirSync(path.join(dir, 'node_modules'));
  fs.symlinkSync(options.packageRoot ?? root, path.join(dir, 'node_modules', 'node-red-contrib-slipstream'), 'dir');
  writeNodeRedSettings(dir, flow, options);
  return dir;
}

/** Writes the settings file and `flow` as the flow file into the user directory `dir`. */
export function writeNodeRedSettings(dir: string, flow: object[], options: SettingsOptions = {}): void {
  const level = JSON.stringify(options.logLevel ?? 'warn');
  const extra = JSON.stringify(options.settings ?? {});
  fs.writeFileSync(
    path.join(dir, 'settings.js'),
    `module.exports = Object.assign({ uiPort: 0, uiHost: '127.0.0.1', flowFile: 'flows.json', credentialSecret: false,
       functionGlobalContext: { fs: require('fs') }, logging: { console: { level: ${level}, metrics: false, audit: false } } }, ${extra});\n`,
  );
  fs.writeFileSync(path.join(dir, 'flows.json'), JSON.stringify(flow));
}

/** Node-RED on the user directory `dir`, with Node.js options `execArgv` (e.g. --cpu-prof). */
export function startNodeRed(dir: string, execArgv: string[] = []): ChildProcess {
  return spawn(process.execPath, [...execArgv, require.resolve('node-red/red.js'), '--userDir', dir, '--settings', path.join(dir, 'settings.js')], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

export interface RunningNodeRed {
  child: ChildProcess;
  /** The editor's address, e.g. `http://127.0.0.1:40123/`. */
  url: string;
  /** Everything the runtime logged so far (stdout and stderr). */
  log(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts Node-RED on a port the OS picks (uiPort 0) and resolves once it listens,
 * with the address it logged ("Server now running at …"). The user directory must
 * log at `info` (see {@link nodeRedUserDir}); `env` is its environment (default: this process's).
 */
export function startNodeRedEditor(dir: string, timeoutMs = 60_000, env: NodeJS.ProcessEnv = process.env): Promise<RunningNodeRed> {
  const child = spawn(process.execPath, [require.resolve('node-red/red.js'), '--userDir', dir, '--settings', path.join(dir, 'settings.js')], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running: Omit<RunningNodeRed, 'url'> = {
    child,
    log: () => output,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
  return new Promise((resolve, reject) => {
    let listening = false;
    const timer = setTimeout(() => {
      void running.stop(0);
      reject(new Error(`Node-RED did not report its address within ${timeoutMs} ms; its log:\n${output}`));
    }, timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (listening) return;
      const match = /Server now running at (https?:\/\/\S+?)\/?\s/.exec(output);
      if (match) {
        listening = true;
        clearTimeout(timer);
        resolve({ ...running, url: `${match[1]}/` });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`Node-RED exited (${signal ?? code}) before listening; its log:\n${output}`));
    });
  });
}
