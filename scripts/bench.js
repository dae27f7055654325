#!/usr/bin/env node
'use strict';
// `npm run bench [-- --messages N --runs R --only lib,node-red --baseline <root>]`:
// the end-to-end benchmark (bench/e2e.ts). Builds when a source is newer than
// dist/, starts or reuses the broker (scripts/kafka; KAFKA_BROKERS to use
// another), creates bench/python/.venv from bench/python/requirements.txt and
// builds the Kafka Streams contender (bench/kafka-streams) when their contenders
// run, then runs dist/bench/e2e.js with the given arguments. Both are made once
// and remade only when their sources (or the Kafka version) change, so later
// runs need no network.
const { execFileSync, spawnSync } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const { buildIfStale } = require('./build-if-stale');
const kafka = require('./kafka-lib');

const root = path.resolve(__dirname, '..');
const log = (line) => process.stderr.write(`bench: ${line}\n`);

/** sha256 over strings and file contents, to tell whether something made from them is current. */
function fingerprint(parts) {
  const hash = crypto.createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex');
}

/** bench/python/.venv with the pinned requirements (reinstalled when the requirements change). */
function pythonVenv() {
  const dir = path.join(root, 'bench', 'python');
  const venv = path.join(dir, '.venv');
  const python = path.join(venv, 'bin', 'python');
  const requirements = path.join(dir, 'requirements.txt');
  const stamp = path.join(venv, '.requirements.sha256');
  const hash = fingerprint([fs.readFileSync(requirements)]);
  if (fs.existsSync(python) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash) return python;
  const python3 = process.env.PYTHON || 'python3';
  log(`creating ${path.relative(root, venv)} with ${python3}…`);
  execFileSync(python3, ['-m', 'venv', '--clear', venv], { stdio: 'inherit' });
  execFileSync(python, ['-m', 'pip', 'install', '--quiet', '-r', requirements], { stdio: 'inherit' });
  fs.writeFileSync(stamp, hash);
  return python;
}

/** Every file under `dir`, sorted. */
function filesUnder(dir) {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath ?? entry.path, entry.name))
    .sort();
}

/**
 * bench/kafka-streams compiled against Kafka Streams `version` into its
 * target/ (classes, and the dependency jars in libs/), which bench/e2e.ts runs;
 * rebuilt with Maven when the pom, a source or the version changes.
 */
function kafkaStreamsApp(version) {
  const dir = path.join(root, 'bench', 'kafka-streams');
  const target = path.join(dir, 'target');
  const stamp = path.join(target, 'build.sha256');
  const pom = path.join(dir, 'pom.xml');
  const hash = fingerprint([version, fs.readFileSync(pom), ...filesUnder(path.join(dir, 'src')).map((f) => fs.readFileSync(f))]);
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === hash) return;
  kafka.requireMaven();
  log(`building ${path.relative(root, dir)} against Kafka Streams ${version} with Maven…`);
  fs.rmSync(target, { recursive: true, force: true });
  const result = spawnSync('mvn', ['-q', '-B', '-f', pom, `-Dkafka.version=${version}`, 'compile', 'dependency:copy-dependencies',
    `-DoutputDirectory=${path.join(target, 'libs')}`], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`Maven could not build ${path.relative(root, dir)} (exit ${result.status}):\n${result.stdout}${result.stderr}`);
  fs.writeFileSync(stamp, hash);
}

async function main() {
  const args = process.argv.slice(2);
  const only = args.includes('--only') ? (args[args.indexOf('--only') + 1] ?? '').split(',') : undefined;
  const runs = (...names) => !only || names.some((name) => only.includes(name));
  buildIfStale(log);
  if (runs('python-slipstream', 'quix-streams') && !args.includes('--python')) args.push('--python', pythonVenv());
  // Kafka Streams of the broker's line: KAFKA_VERSION, 3.9.x by default.
  if (runs('kafka-streams')) kafkaStreamsApp(kafka.resolveVersion());
  const { brokers } = await kafka.start();
  const version = process.env.KAFKA_BROKERS ? 'external' : kafka.resolveVersion();
  log(`broker ${brokers} (Kafka ${version})`);
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
