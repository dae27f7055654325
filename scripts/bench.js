#!/usr/bin/env node
'use strict';
// `npm run bench [-- --messages N --runs R --only lib,node-red --baseline <root>]`:
// the end-to-end benchmark (bench/e2e.ts). Builds when a source is newer than
// dist/, starts or reuses the broker (scripts/kafka; KAFKA_BROKERS to use
// another), creates bench/python/.venv from bench/python/requirements.txt,
// then runs dist/bench/e2e.js with the given arguments.
const { execFileSync, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { buildIfStale } = require('./build-if-stale');
const kafka = require('./kafka-lib');

const root = path.resolve(__dirname, '..');
const log = (line) => process.stderr.write(`bench: ${line}\n`);

/** bench/python/.venv with the pinned requirements (reinstalled when the requirements change). */
function pythonVenv() {
  const dir = path.join(root, 'bench', 'python');
  const venv = path.join(dir, '.venv');
  const python = path.join(venv, 'bin', 'python');
  const requirements = path.join(dir, 'requirements.txt');
  const stamp = path.join(venv, '.requirements.sha256');
  const hash = crypto.createHash('sha256').update(fs.readFileSync(requirements)).digest('hex');
  if (fs.existsSync(python) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash) return python;
  const python3 = process.env.PYTHON || 'python3';
  log(`creating ${path.relative(root, venv)} with ${python3}…`);
  execFileSync(python3, ['-m', 'venv', '--clear', venv], { stdio: 'inherit' });
  execFileSync(python, ['-m', 'pip', 'install', '--quiet', '-r', requirements], { stdio: 'inherit' });
  fs.writeFileSync(stamp, hash);
  return python;
}

async function main() {
  buildIfStale(log);
  const python = pythonVenv();
  const { brokers } = await kafka.start();
  const version = process.env.KAFKA_BROKERS ? 'external' : kafka.resolveVersion();
  log(`broker ${brokers} (Kafka ${version})`);
  const args = process.argv.slice(2);
  if (!args.includes('--python')) args.push('--python', python);
  const run = spawnSync(process.execPath, [path.join(root, 'dist', 'bench', 'e2e.js'), ...args], {
    stdio: 'inherit',
    env: { ...process.env, KAFKA_BROKERS: brokers, BENCH_KAFKA_VERSION: version },
  });
  process.exitCode = run.status ?? 1;
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
