// This package as users get it: packed by npm from a clean checkout and
// installed from the tarball with npm, as `npm install <tarball>` in a
// Node-RED user directory does.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '..', '..', '..');

export interface CommandResult {
  status: number | null;
  stdout: string;
  /** stdout and stderr, interleaved as they came. */
  output: string;
}

/**
 * Runs `command` in `cwd` without the `npm_*` variables of an enclosing `npm test`
 * (they would point npm at this repository); kills its process group after `timeoutMs`.
 */
export function runCommand(command: string, args: string[], cwd: string, timeoutMs: number): Promise<CommandResult> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_')));
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    output += chunk.toString('utf8');
  });
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} took longer than ${timeoutMs} ms; its output:\n${output}`));
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, output });
    });
  });
}

/**
 * Copies what a clean checkout of this working tree holds (the files git tracks or
 * would track: no dist/, no node_modules/) to `dest`, and links this repository's
 * node_modules/ there for the build's tools.
 */
export async function cleanCheckout(dest: string): Promise<void> {
  const listed = await runCommand('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], root, 60_000);
  if (listed.status !== 0) throw new Error(`git ls-files failed in ${root} (a clean checkout is made from git's file list):\n${listed.output}`);
  for (const file of listed.stdout.split('\0')) {
    const from = path.join(root, file);
    if (!file || !fs.existsSync(from)) continue; // deleted in the working tree, not yet in the index
    fs.mkdirSync(path.dirname(path.join(dest, file)), { recursive: true });
    fs.copyFileSync(from, path.join(dest, file));
  }
  fs.symlinkSync(path.join(root, 'node_modules'), path.join(dest, 'node_modules'), 'dir');
}

/** `npm pack` in `dir` (running the package's lifecycle scripts); returns the tarball's path in `destination`. */
export async function npmPack(dir: string, destination: string, timeoutMs: number): Promise<string> {
  const packed = await runCommand('npm', ['pack', '--pack-destination', destination], dir, timeoutMs);
  const tarball = packed.stdout.trim().split('\n').pop() ?? '';
  if (packed.status !== 0 || !tarball.endsWith('.tgz')) throw new Error(`npm pack failed in ${dir}:\n${packed.output}`);
  return path.join(destination, tarball);
}

/** What npm says when it cannot reach the registry. */
const UNREACHABLE = /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENETUNREACH|EHOSTUNREACH)\b/;

export type InstallResult = { installed: true } | { installed: false; unreachable: string };

/**
 * `npm install <tarball>` into the Node-RED user directory `dir` (given a package.json
 * as Node-RED makes one). Dependencies come from npm's cache where it has them.
 * Resolves `{ installed: false }` with npm's complaint when the registry is unreachable;
 * any other failure rejects.
 */
export async function installTarball(dir: string, tarball: string, timeoutMs: number): Promise<InstallResult> {
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'node-red-project', description: 'A Node-RED Project', version: '0.0.1', private: true }, null, 2),
  );
  const args = ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball];
  const result = await runCommand('npm', args, dir, timeoutMs);
  if (result.status === 0) return { installed: true };
  const unreachable = UNREACHABLE.exec(result.output);
  if (unreachable) return { installed: false, unreachable: result.output.split('\n').find((line) => line.includes(unreachable[1])) ?? unreachable[1] };
  throw new Error(`npm ${args.join(' ')} failed in ${dir}:\n${result.output}`);
}
