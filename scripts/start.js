#!/usr/bin/env node
'use strict';
// `npm start`: build if the sources changed, start (or reuse) the local Kafka
// broker unless KAFKA_BROKERS names one, and run Node-RED with this package
// installed in a demo user directory (.demo/) holding the example flows.
// Ctrl-C stops Node-RED and the broker if this run started it.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const userDir = process.env.SLIPSTREAM_DEMO_DIR || path.join(root, '.demo');
const port = Number(process.env.PORT || 1880);
const kafkaScript = path.join(__dirname, 'kafka');

function newestMtime(dir, skip) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (skip.includes(entry.name)) continue;
    const full = path.join(dir, entry.name);
    const mtime = entry.isDirectory() ? newestMtime(full, skip) : fs.statSync(full).mtimeMs;
    newest = Math.max(newest, mtime);
  }
  return newest;
}

function buildIfNeeded() {
  const stamp = path.join(root, 'dist', 'lib', 'index.js');
  const sources = Math.max(...['lib', 'nodes'].map((d) => newestMtime(path.join(root, d), ['node_modules'])));
  if (fs.existsSync(stamp) && fs.statSync(stamp).mtimeMs >= sources) return;
  console.log('Building…');
  const result = spawnSync(process.execPath, [path.join(__dirname, 'build.js')], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

function kafka(command) {
  return spawnSync(process.execPath, [kafkaScript, command], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

function startBroker() {
  if (process.env.KAFKA_BROKERS) return { brokers: process.env.KAFKA_BROKERS, startedHere: false };
  const wasRunning = kafka('status').status === 0;
  const started = kafka('start');
  if (started.status !== 0) {
    console.error('Could not start the local Kafka broker (see above).');
    process.exit(1);
  }
  return { brokers: started.stdout.trim().split('\n').pop(), startedHere: !wasRunning };
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
  const flows = path.join(userDir, 'flows.json');
  if (!fs.existsSync(flows)) fs.copyFileSync(path.join(root, 'examples', 'flows.json'), flows);
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

function main() {
  buildIfNeeded();
  const { brokers, startedHere } = startBroker();
  prepareUserDir();
  console.log(`Kafka broker: ${brokers}`);
  console.log(`Node-RED editor: http://127.0.0.1:${port}/  (Ctrl-C stops everything this command started)`);
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
    if (startedHere) process.stdout.write(kafka('stop').stdout);
    process.exit(stopping ? 0 : (code ?? 1));
  });
}

main();
