#!/usr/bin/env node
'use strict';
// Writes the example flows under examples/ (examples/flows.json, one tab per
// scenario, and one focused file per scenario) from the definitions below.
// Edit here and run `node scripts/make-examples.js`; the files are committed,
// and Node-RED lists them under Import › Examples.
//
// Node ids are 16 hex digits derived from the file and a readable name, so
// the same scenario gets different ids in flows.json and in its focused file
// (importing both into one editor does not clash).
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const examplesDir = path.resolve(__dirname, '..', 'examples');

// ---- node builders (core Node-RED nodes) ------------------------------------------

const comment = (id, name, info, x, y) => ({ id, type: 'comment', name, info, x, y, wires: [] });

/** An inject node; `props` are extra message properties `{ p, v, vt }`. */
function inject(id, name, { payload = '', payloadType = 'date', once = false, onceDelay = 0.5, topic = '', props = [] }, x, y, wires) {
  return {
    id,
    type: 'inject',
    name,
    props: [{ p: 'payload' }, { p: 'topic', vt: 'str' }, ...props],
    repeat: '',
    crontab: '',
    once,
    onceDelay,
    topic,
    payload,
    payloadType,
    x,
    y,
    wires: [wires],
  };
}

/** A debug node to the sidebar; `complete` is a msg property, 'true' (whole msg) or a JSONata expression with `jsonata`. */
function debug(id, name, { complete = 'payload', jsonata = false, console: toConsole = false } = {}, x, y) {
  return {
    id,
    type: 'debug',
    name,
    active: true,
    tosidebar: true,
    console: toConsole,
    tostatus: false,
    complete,
    targetType: jsonata ? 'jsonata' : complete === 'true' ? 'full' : 'msg',
    statusVal: '',
    statusType: 'auto',
    x,
    y,
    wires: [],
  };
}

const linkOut = (id, name, links, x, y) => ({ id, type: 'link out', name, mode: 'link', links, x, y, wires: [] });
const linkIn = (id, name, links, x, y, wires) => ({ id, type: 'link in', name, links, x, y, wires: [wires] });

// ---- node builders (ours) -----------------------------------------------------------

const code = (...lines) => `${lines.join('\n')}\n`;

function handle(id, name, func, x, y, wires, stores = []) {
  return { id, type: 'slipstream-handle', name, func, initialize: '', timeout: 0, stores, x, y, wires: [wires] };
}

function topicIn(id, name, { topic, groupId, codec = 'json', start = 'committed' }, x, y, wires) {
  return { id, type: 'slipstream-topic-in', name, broker: 'broker', topic, groupId, start, offset: 0, codec, maxInFlight: 100, x, y, wires: [wires] };
}

function topicOut(id, name, { topic, codec = 'json' }, x, y) {
  return { id, type: 'slipstream-topic-out', name, broker: 'broker', topic, codec, acks: '-1', compression: 'none', x, y, wires: [] };
}

function cacheNode(id, name, settings, x, y, wires) {
  return {
    id,
    type: 'slipstream-cache',
    name,
    store: 'store',
    columnFamily: '',
    operation: 'get',
    key: 'key',
    keyType: 'msg',
    value: 'payload',
    valueType: 'msg',
    query: 'items',
    prefix: '',
    prefixType: 'str',
    fromKey: '',
    fromKeyType: 'str',
    backwards: false,
    limit: '',
    split: false,
    func: '',
    ...settings,
    x,
    y,
    wires: [wires],
  };
}

// ---- config nodes --------------------------------------------------------------------

/** The broker: `${KAFKA_BROKERS}` is replaced by Node-RED with the environment variable (npm start sets it). */
const broker = () => ({
  id: 'broker',
  type: 'slipstream-kafka',
  name: 'Kafka (KAFKA_BROKERS)',
  brokers: '${KAFKA_BROKERS}',
  clientId: 'node-red-slipstream-examples',
  usetls: false,
  tls: '',
  saslMechanism: 'none',
  connectionTimeout: 3000,
});

/** A store, relative to the Node-RED user directory. */
const store = (dir, columnFamilies) => ({
  id: 'store',
  type: 'slipstream-store',
  name: dir,
  path: dir,
  preset: 'default',
  columnFamilies: columnFamilies.join(', '),
});

// ---- scenarios -----------------------------------------------------------------------
// Each returns { label, info, needs: ['broker'|'store'], columnFamilies, nodes } for a naming context `n`
// (`n.topic(name)`, `n.group(name)`).

const EMOJI = '🏆📞🐟👌';

function hello() {
  return {
    label: 'Hello',
    info: "The seed's Hello example: a handle node yields one message per emoji. No broker or store needed.",
    needs: [],
    nodes: [
      comment(
        'hello-comment',
        'Hello: one message in, four out',
        [
          "The seed's first example. No Kafka broker and no store are needed.",
          '',
          `On deploy the inject node sends "${EMOJI}" once (click its button to send it again).`,
          'The **handle** node is the body of an async generator: it yields one',
          'greeting per emoji, so the debug sidebar shows exactly four messages, in order:',
          '',
          '    Hello 🏆!',
          '    Hello 📞!',
          '    Hello 🐟!',
          '    Hello 👌!',
          '',
          'The debug node "Hello output" also writes them to the Node-RED log.',
        ].join('\n'),
        200,
        60,
      ),
      inject('hello-inject', 'emoji', { payload: EMOJI, payloadType: 'str', once: true, onceDelay: 0.5, topic: 'hello' }, 150, 140, ['hello-handle']),
      handle(
        'hello-handle',
        'greet',
        code('// One output per emoji: each yield sends a message with msg.payload set.', 'for (const emoji of msg.payload) {', '  yield `Hello ${emoji}!`;', '}'),
        340,
        140,
        ['hello-debug'],
      ),
      debug('hello-debug', 'Hello output', { console: true }, 540, 140),
    ],
  };
}

// ---- files ---------------------------------------------------------------------------

function idFor(file, name) {
  return crypto.createHash('sha1').update(`${file}:${name}`).digest('hex').slice(0, 16);
}

/** One file's flow: a tab per scenario, the config nodes they need, ids made unique per file. */
function build(file, scenarios, names) {
  const map = (name) => idFor(file, name);
  const out = [];
  const configs = new Map();
  for (const make of scenarios) {
    const scenario = make(names);
    const tabName = `tab-${scenario.label}`;
    out.push({ id: map(tabName), type: 'tab', label: scenario.label, disabled: false, info: scenario.info, env: [] });
    for (const node of scenario.nodes) out.push(remap(node, map, map(tabName)));
    if (scenario.needs.includes('broker')) configs.set('broker', broker());
    if (scenario.needs.includes('store')) {
      const families = new Set([...(configs.get('store')?.families ?? []), ...(scenario.columnFamilies ?? [])]);
      configs.set('store', { families });
    }
  }
  if (configs.has('broker')) out.push(remap(broker(), map));
  if (configs.has('store')) out.push(remap(store(names.store, [...configs.get('store').families]), map));
  return out;
}

/** Rewrites readable ids (own id, wires, links, config references) to file ids. */
function remap(node, map, z) {
  const out = { ...node, id: map(node.id) };
  if (z) out.z = z;
  if (out.wires) out.wires = out.wires.map((port) => port.map(map));
  if (out.links) out.links = out.links.map(map);
  for (const ref of ['broker', 'store']) if (typeof out[ref] === 'string' && out[ref] && out.type !== 'slipstream-store') out[ref] = map(out[ref]);
  if (out.stores) out.stores = out.stores.map((binding) => ({ ...binding, store: map(binding.store) }));
  // Key order as Node-RED writes it: id, type, z first.
  const { id, type, z: zz, ...rest } = out;
  return zz ? { id, type, z: zz, ...rest } : { id, type, ...rest };
}

function names(prefix, storeDir) {
  return {
    topic: (name) => `${prefix}-${name}`,
    group: (name) => `${prefix}-${name}`,
    store: storeDir,
  };
}

const FILES = [['hello.json', [hello], names('slipstream-example', 'slipstream-example')]];

for (const [file, scenarios, naming] of FILES) {
  const flow = build(file, scenarios, naming);
  fs.writeFileSync(path.join(examplesDir, file), `${JSON.stringify(flow, null, 2)}\n`);
  console.log(`examples/${file}: ${flow.length} nodes`);
}
