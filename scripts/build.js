#!/usr/bin/env node
'use strict';
// Compile the TypeScript sources to dist/ and copy each node's editor files
// (.html, icons/, locales/) next to its compiled .js, as Node-RED expects.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const dist = path.join(root, 'dist');

fs.rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.json')], {
  stdio: 'inherit',
  cwd: root,
});

const nodesDir = path.join(root, 'nodes');
for (const name of fs.existsSync(nodesDir) ? fs.readdirSync(nodesDir) : []) {
  const src = path.join(nodesDir, name);
  if (!fs.statSync(src).isDirectory()) continue;
  for (const entry of fs.readdirSync(src)) {
    if (entry.endsWith('.ts')) continue;
    fs.cpSync(path.join(src, entry), path.join(dist, 'nodes', name, entry), { recursive: true });
  }
}
