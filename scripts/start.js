#!/usr/bin/env node
'use strict';
// `npm start`: build if the sources changed, start (or reuse) the local Kafka
// broker unless KAFKA_BROKERS names one, and run Node-RED with this package
// installed in a demo user directory (.demo/, or SLIPSTREAM_DEMO_DIR) holding
// examples/all-examples.json; its broker config node reads `${KAFKA_BROKERS}`, which
// Node-RED fills in from the environment given here. Ctrl-C stops Node-RED,
// and the local broker when an `npm start` started it and no other `npm start`
// still uses it. A second `npm start` reuses the running broker, and when
// Node-RED already answers on the port, it says so and starts nothing.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { buildIfStale } = require('./build-if-stale');
const { isAlive } = require('./kafka-lib');

const root = path.resolve(__dirname, '..');
const userDir = process.env.SLIPSTREAM_DEMO_DIR || path.join(root, '.demo');
const port = Number(process.env.PORT || 1880);
const kafkaScript = path.join(__dirname, 'kafka');
const editorUrl = `http://127.0.0.1:${port}/`;
// The `npm start` runs using the local broker, and whether one of them started it.
const brokerUsersFile = path.join(process.env.SLIPSTREAM_KAFKA_STATE || path.join(root, '.kafka'), 'plain', 'npm-start-users.json');

function kafka(command) {
  return spawnSync(process.execPath, [kafkaScript, command], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

function readBrokerUsers() {
  try {
    const users = JSON.parse(fs.readFileSync(brokerUsersFile, 'utf8'));
    return { startedByDemo: Boolean(users.startedByDemo), pids: (users.pids || []).filter(isAlive) };
  } catch {
    return { startedByDemo: false, pids: [] };
  }
}

function writeBrokerUsers(users) {
  fs.mkdirSync(path.dirname(brokerUsersFile), { recursive: true });
  fs.writeFileSync(brokerUsersFile, JSON.stringify(users));
}

/** The broker to use: KAFKA_BROKERS, or the local one (started or reused); this run is recorded as a user of it. */
function startBroker() {
  if (process.env.KAFKA_BROKERS) {
    console.log(`Kafka broker: ${process.env.KAFKA_BROKERS} (from KAFKA_BROKERS)`);
    return { brokers: process.env.KAFKA_BROKERS, local: false };
  }
  const wasRunning = kafka('status').status === 0;
  const started = kafka('start');
  if (started.status !== 0) {
    console.error('Could not start the local Kafka broker (see above).');
    process.exit(1);
  }
  const users = wasRunning ? readBrokerUsers() : { startedByDemo: true, pids: [] };
  writeBrokerUsers({ startedByDemo: users.startedByDemo, pids: [...users.pids, process.pid] });
  const brokers = started.stdout.trim().split('\n').pop();
  console.log(`Kafka broker: ${brokers} (${wasRunning ? 'reused the running local broker' : 'started the local broker'})`);
  return { brokers, local: true };
}

/** Done with the local broker: the last `npm start` to go stops it, if an `npm start` started it. */
function releaseBroker() {
  const users = readBrokerUsers();
  const others = users.pids.filter((pid) => pid !== process.pid);
  writeBrokerUsers({ startedByDemo: users.startedByDemo, pids: others });
  if (others.length > 0) {
    console.log(`Leaving the local Kafka broker running: another npm start uses it (pid ${others.join(', ')}).`);
  } else if (users.startedByDemo) {
    process.stdout.write(kafka('stop').stdout);
    fs.rmSync(brokerUsersFile, { force: true });
  } else {
    console.log('Leaving the local Kafka broker running: it was running before npm start.');
  }
}

/** A user directory with this package linked in, as `npm install <path>` would. */
function prepareUserDir() {
  const modules = path.join(userDir, 'node_modules');
  fs.mkdirSync(modules, { recursive: true });
  const link = path.join(modules, 'node-red-contrib-slipstream');
  if (!fs.existsSync(link)) fs.symlinkSync(root, link, 'dir');
  fs.writeFileSync(
    path.join(userDir, 'package.json'),
    JSON.stringify({ name: 'slipstream-demo', private: true, dependencies: { 'node-red-contrib-slipstream': `file:${root}` } }, null, 2),
  );
  deployExamples(path.join(userDir, 'flows.json'));
  fs.writeFileSync(
    path.join(userDir, 'settings.js'),
    `module.exports = {
  uiHost: '127.0.0.1',
  uiPort: ${port},
  flowFile: 'flows.json',
  flowFilePretty: true,
  credentialSecret: 'slipstream-demo',
  logging: { console: { level: 'info', metrics: false, audit: false } },
};
`,
  );
}

/**
 * examples/all-examples.json becomes the demo's flow when the user directory has
 * none yet (or only an empty one); flows the user deployed are kept.
 */
function deployExamples(flows) {
  const examples = path.join(root, 'examples', 'all-examples.json');
  let existing = [];
  if (fs.existsSync(flows)) {
    try {
      existing = JSON.parse(fs.readFileSync(flows, 'utf8'));
    } catch (err) {
      console.log(`Flows: keeping ${flows}, which is not valid JSON (${err.message}); delete it to get examples/all-examples.json`);
      return;
    }
  }
  if (!Array.isArray(existing) || existing.length > 0) {
    console.log(`Flows: keeping your flows in ${flows} (delete that file to get examples/all-examples.json again)`);
    return;
  }
  fs.copyFileSync(examples, flows);
  console.log(`Flows: deployed examples/all-examples.json to ${flows}`);
}

/** Resolves with what answers on the port: 'node-red' (with our nodes), 'other', or undefined when nothing does. */
async function whatListens() {
  try {
    const res = await fetch(`${editorUrl}nodes`, { headers: { Accept: 'application/json' }, signal: AbortSignal.timeout(2000) });
    if (!res.ok) return 'other';
    const nodes = await res.json();
    return Array.isArray(nodes) && nodes.some((n) => n.module === 'node-red-contrib-slipstream') ? 'node-red' : 'other';
  } catch (err) {
    return err && err.cause && err.cause.code === 'ECONNREFUSED' ? undefined : 'other';
  }
}

async function waitUntilUp(red) {
  for (let i = 0; i < 600 && red.exitCode === null; i++) {
    if ((await whatListens()) === 'node-red') return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

async function main() {
  const already = await whatListens();
  if (already === 'node-red') {
    console.log(`Node-RED with the slipstream nodes already runs at ${editorUrl} (an earlier npm start?): reusing it, starting nothing.`);
    return;
  }
  if (already === 'other') {
    console.error(`Port ${port} is in use by something else: stop it or set PORT.`);
    process.exit(1);
  }
  buildIfStale(console.log);
  const { brokers, local } = startBroker();
  prepareUserDir();
  console.log(`Node-RED editor: ${editorUrl}  (Ctrl-C stops everything this command started)`);
  const red = spawn(
    process.execPath,
    [require.resolve('node-red/red.js'), '--userDir', userDir, '--settings', path.join(userDir, 'settings.js')],
    { cwd: userDir, stdio: 'inherit', env: { ...process.env, KAFKA_BROKERS: brokers } },
  );
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    red.kill('SIGINT');
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  red.on('exit', (code) => {
    if (local) releaseBroker();
    process.exit(stopping ? 0 : (code ?? 1));
  });
  if (await waitUntilUp(red)) console.log(`Node-RED is up: open ${editorUrl} (the example flows are on one tab per scenario)`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
