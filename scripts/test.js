#!/usr/bin/env node
'use strict';
// `npm test` (after the `pretest` build): start or reuse the Kafka broker,
// run every mocha suite against it, stop the broker if this run started it,
// and end with the plain "N passed, N failed" line.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const kafkaScript = path.join(__dirname, 'kafka');
const statsFile = path.join(root, 'test-results', 'mocha-stats.json');

function kafka(command, instance) {
  const args = [kafkaScript, command, ...(instance.sasl ? ['--sasl'] : [])];
  return spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

// The plain broker every suite uses, and a SASL one (with a TLS listener) for the authentication tests.
const instances = [
  { env: 'KAFKA_BROKERS', sasl: false },
  { env: 'KAFKA_SASL_BROKERS', sasl: true },
];

/** Start (or reuse) a broker; returns its address and whether this run started it. */
function startBroker(instance) {
  if (process.env[instance.env]) return { brokers: process.env[instance.env], startedHere: false };
  const wasRunning = kafka('status', instance).status === 0;
  const started = kafka('start', instance);
  process.stdout.write(started.stdout);
  if (started.status !== 0) throw new Error(`could not start the Kafka broker (scripts/kafka start${instance.sasl ? ' --sasl' : ''} failed, see above)`);
  return { brokers: started.stdout.trim().split('\n').pop(), startedHere: !wasRunning };
}

function runMocha(env, extraArgs) {
  fs.rmSync(statsFile, { force: true });
  const mocha = require.resolve('mocha/bin/mocha.js');
  const result = spawnSync(
    process.execPath,
    [mocha, '--reporter', path.join(__dirname, 'mocha-reporter.js'), ...extraArgs],
    { cwd: root, stdio: 'inherit', env: { ...process.env, ...env, SLIPSTREAM_TEST_STATS: statsFile } },
  );
  const stats = fs.existsSync(statsFile) ? JSON.parse(fs.readFileSync(statsFile, 'utf8')) : null;
  return { status: result.status ?? 1, stats };
}

function summary(stats) {
  if (!stats) {
    console.log('mocha did not report results (see above)');
    return '0 passed, 1 failed';
  }
  const line = `${stats.passes} passed, ${stats.failures} failed`;
  return stats.pending > 0 ? `${line}, ${stats.pending} skipped` : line;
}

function main() {
  const env = {};
  const startedHere = [];
  let result = { status: 1, stats: null };
  try {
    for (const instance of instances) {
      const broker = startBroker(instance);
      env[instance.env] = broker.brokers;
      if (broker.startedHere) startedHere.push(instance);
    }
    // The local SASL instance also listens with TLS, for the TLS tests.
    const tls = require('./kafka-lib').tlsEndpoint();
    if (tls && !process.env.KAFKA_TLS_BROKERS) Object.assign(env, { KAFKA_TLS_BROKERS: tls.brokers, KAFKA_TLS_CA: tls.ca });
    result = runMocha(env, process.argv.slice(2));
  } catch (err) {
    console.error(err.message);
  } finally {
    if (!process.env.SLIPSTREAM_KEEP_KAFKA) for (const instance of startedHere) kafka('stop', instance);
  }
  console.log(summary(result.stats));
  const failed = result.status !== 0 || !result.stats || result.stats.failures > 0;
  process.exit(failed ? 1 : 0);
}

main();
