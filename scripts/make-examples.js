#!/usr/bin/env node
'use strict';
// Writes the example flows under examples/ (examples/all-examples.json, one tab per
// scenario, and one focused file per scenario) from the definitions below.
// Edit here and run `node scripts/make-examples.js`; the files are committed,
// and Node-RED lists them under Import › Examples.
//
// Node ids are 16 hex digits derived from the file and a readable name, so
// the same scenario gets different ids in all-examples.json and in its focused file
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

function topicIn(id, name, { topic, groupId, codec = 'json', start = 'committed', maxInFlight = 100 }, x, y, wires) {
  return { id, type: 'slipstream-topic-in', name, broker: 'broker', topic, groupId, start, offset: 0, codec, maxInFlight, x, y, wires: [wires] };
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

function kafkaScenario(n) {
  const topic = n.topic('greetings');
  return {
    label: 'Kafka produce and consume',
    info: 'Produce records with keys and headers to a topic, and consume them again.',
    needs: ['broker'],
    nodes: [
      comment(
        'kafka-comment',
        'Kafka: produce and consume with keys and headers',
        [
          `The **topic out** node produces to the topic "${topic}" on the broker of the`,
          'config node "Kafka (KAFKA_BROKERS)": its brokers field is `${KAFKA_BROKERS}`, which',
          'Node-RED replaces with that environment variable (npm start sets it).',
          '',
          '- msg.key becomes the record key, msg.headers its headers, msg.payload its value',
          '  (through the JSON codec); payload null produces a tombstone.',
          '- The **topic in** node consumes the topic (consumer group',
          `  "${n.group('greetings')}", from the beginning for a new group) and emits one message`,
          '  per record: payload, key, headers, topic, partition, offset, timestamp.',
          '',
          'Watch: shortly after deploy the debug sidebar shows the whole consumed message,',
          'with key "greeting" and headers { source: "node-red", scenario: "kafka" }.',
          'Click "tombstone" to produce a null value for the key.',
          'Offsets are committed once the flow is done with a record: after a restart',
          'the consumer goes on where it stopped.',
        ].join('\n'),
        220,
        60,
      ),
      inject(
        'kafka-inject',
        'greeting',
        {
          payload: '{"msg":"Hello World!"}',
          payloadType: 'json',
          once: true,
          onceDelay: 1,
          props: [
            { p: 'key', v: 'greeting', vt: 'str' },
            { p: 'headers', v: '{"source":"node-red","scenario":"kafka"}', vt: 'json' },
          ],
        },
        160,
        140,
        ['kafka-out'],
      ),
      inject(
        'kafka-tombstone',
        'tombstone',
        { payload: 'null', payloadType: 'json', props: [{ p: 'key', v: 'greeting', vt: 'str' }] },
        160,
        200,
        ['kafka-out'],
      ),
      topicOut('kafka-out', 'greetings out', { topic }, 400, 160),
      topicIn('kafka-in', 'greetings in', { topic, groupId: n.group('greetings') }, 170, 280, ['kafka-debug']),
      debug('kafka-debug', 'consumed record', { complete: 'true' }, 420, 280),
    ],
  };
}

function countScenario(n) {
  const topic = n.topic('words');
  return {
    label: 'Count by key',
    info: 'Stateful count by key: a RocksDB store updated under the key\'s transaction lock.',
    needs: ['broker', 'store'],
    columnFamilies: ['counts'],
    nodes: [
      comment(
        'count-comment',
        'Count by key: state in a RocksDB store',
        [
          'On deploy the inject node sends the sentence "to be or not to be"; the handle node',
          `yields one [word, word] pair per word, so topic out produces one record per word to`,
          `"${topic}" with the word as its key.`,
          '',
          'The topic in node consumes them and the **cache** node (operation `update`) counts',
          'each key: it reads the old count, runs `return (oldValue ?? 0) + 1;` and writes the',
          "new value under the key's transaction lock, in the store's column family \"counts\".",
          '',
          'Watch the debug sidebar: six counts,',
          '',
          '    to: 1   be: 1   or: 1   not: 1   to: 2   be: 2',
          '',
          "each word's counts go up one by one; different words may interleave in another",
          'order (records of different keys are not kept in order).',
          '',
          'The counts live in RocksDB (path relative to the Node-RED user directory): they',
          'survive a restart, and each new sentence goes on counting. "show counts" queries',
          'every [word, count] of the column family.',
        ].join('\n'),
        200,
        60,
      ),
      inject('count-inject', 'sentence', { payload: 'to be or not to be', payloadType: 'str', once: true, onceDelay: 1 }, 150, 160, ['count-split']),
      handle(
        'count-split',
        'one record per word',
        code('// Each [key, value] pair sets msg.key and msg.payload: topic out uses the word as the key.', 'for (const word of String(msg.payload).split(/\\s+/)) {', '  if (word) yield [word, word];', '}'),
        360,
        160,
        ['count-out'],
      ),
      topicOut('count-out', 'words out', { topic, codec: 'string' }, 590, 160),
      topicIn('count-in', 'words in', { topic, groupId: n.group('counts'), codec: 'string' }, 170, 240, ['count-update']),
      cacheNode(
        'count-update',
        'count',
        { operation: 'update', columnFamily: 'counts', func: code("// Runs under the key's lock: return the new value.", 'return (oldValue ?? 0) + 1;') },
        380,
        240,
        ['count-debug'],
      ),
      debug('count-debug', 'count', { complete: 'key & ": " & $string(payload)', jsonata: true }, 570, 240),
      inject('count-show', 'show counts', { payload: '', payloadType: 'date' }, 160, 320, ['count-query']),
      cacheNode('count-query', 'all counts', { operation: 'query', columnFamily: 'counts', query: 'items' }, 370, 320, ['count-totals']),
      debug('count-totals', '[word, count] pairs', {}, 580, 320),
    ],
  };
}

/** Fixed times: the join gives the same result on every run. */
const WEATHER = [
  ['2025-01-01T10:00:00.000Z', '☀️'],
  ['2025-01-01T11:00:00.000Z', '🌦️'],
  ['2025-01-01T12:00:00.000Z', '🌧️'],
];
const ACTIVITIES = [
  ['2025-01-01T09:30:00.000Z', 'breakfast'],
  ['2025-01-01T10:05:00.000Z', 'swimming'],
  ['2025-01-01T11:00:00.000Z', 'cycling'],
  ['2025-01-01T12:30:00.000Z', 'shopping'],
];

/**
 * Centres of the Temporal join's three columns: a status under a node of one
 * column (up to 60 characters, about 380 px) ends before the status of the
 * next column's node (the editor test checks that nothing overlaps).
 */
const JOIN_COLUMNS = [170, 600, 880];
// The topic-ins' statuses run widest (60 characters): their short names put them further left.
const JOIN_TOPIC_IN_X = 130;

function joinScenario(n) {
  const weather = n.topic('weather');
  const activity = n.topic('activity');
  const list = (items, field) => `[\n${items.map(([time, value]) => `  { time: '${time}', ${field}: '${value}' },`).join('\n')}\n]`;
  return {
    label: 'Temporal join',
    info: 'Weather × activity: each activity is joined with the newest weather report at or before its time.',
    needs: ['broker', 'store'],
    columnFamilies: ['weather'],
    nodes: [
      comment(
        'join-comment',
        'Temporal join: weather × activity',
        [
          `Weather reports go to the topic "${weather}", activities to "${activity}".`,
          '',
          '- Each weather report is stored by the **cache** node (`put`) under its time',
          '  (msg.payload.time, an ISO string: such keys sort by time) in the column family "weather".',
          "- Each activity goes to a **handle** node that has the store bound as",
          '  `caches.weather` and reads the newest report at or before the activity:',
          '  `caches.weather.items({ fromKey: msg.payload.time, backwards: true, limit: 1 })`.',
          '',
          'On deploy the weather reports are sent after 1 s, the activities after 5 s',
          '(click "activities" to send them again). Watch the debug sidebar (in any order):',
          '',
          '    breakfast at 09:30: no weather yet',
          '    swimming at 10:05: ☀️',
          '    cycling at 11:00: 🌦️',
          '    shopping at 12:30: 🌧️',
        ].join('\n'),
        200,
        60,
      ),
      inject('join-weather-inject', 'weather reports', { once: true, onceDelay: 1 }, JOIN_COLUMNS[0], 160, ['join-weather-gen']),
      handle(
        'join-weather-gen',
        'one record per report',
        code(`const reports = ${list(WEATHER, 'sky')};`, 'for (const report of reports) yield [report.time, report];'),
        JOIN_COLUMNS[1],
        160,
        ['join-weather-out'],
      ),
      topicOut('join-weather-out', 'weather out', { topic: weather }, JOIN_COLUMNS[2], 160),
      topicIn('join-weather-in', 'weather in', { topic: weather, groupId: n.group('weather') }, JOIN_TOPIC_IN_X, 220, ['join-put']),
      cacheNode('join-put', 'weather by time', { operation: 'put', columnFamily: 'weather', key: 'payload.time', keyType: 'msg' }, JOIN_COLUMNS[1], 220, ['join-stored']),
      debug('join-stored', 'weather stored', {}, JOIN_COLUMNS[2], 220),
      inject('join-activity-inject', 'activities', { once: true, onceDelay: 5 }, JOIN_COLUMNS[0], 300, ['join-activity-gen']),
      handle(
        'join-activity-gen',
        'one record per activity',
        code(`const activities = ${list(ACTIVITIES, 'activity')};`, 'for (const a of activities) yield [a.time, a];'),
        JOIN_COLUMNS[1],
        300,
        ['join-activity-out'],
      ),
      topicOut('join-activity-out', 'activities out', { topic: activity }, JOIN_COLUMNS[2], 300),
      topicIn('join-activity-in', 'activities in', { topic: activity, groupId: n.group('activity') }, JOIN_TOPIC_IN_X, 360, ['join-handle']),
      handle(
        'join-handle',
        'newest weather at or before',
        code(
          '// caches.weather is the store bound in this node\'s settings (column family "weather").',
          'const { time, activity } = msg.payload;',
          'for await (const [, report] of caches.weather.items({ fromKey: time, backwards: true, limit: 1 })) {',
          '  return `${activity} at ${time.slice(11, 16)}: ${report.sky}`;',
          '}',
          'return `${activity} at ${time.slice(11, 16)}: no weather yet`;',
        ),
        JOIN_COLUMNS[1],
        360,
        ['join-debug'],
        [{ name: 'weather', store: 'store', columnFamily: 'weather' }],
      ),
      debug('join-debug', 'joined', {}, JOIN_COLUMNS[2], 360),
    ],
  };
}

function synchronizationScenario(n) {
  const weather = n.topic('sync-weather');
  const activity = n.topic('sync-activity');
  return {
    label: 'Synchronization',
    info: 'A checkpoint pauses the activity stream while the weather stream is behind, and reprocesses on recovery.',
    needs: ['broker', 'store'],
    columnFamilies: ['sync_weather'],
    nodes: [
      comment(
        'sync-comment',
        'Synchronization: a checkpoint pauses and resumes topic in',
        [
          "The seed's Synchronization cookbook. Activities are joined with the newest weather",
          'at or before them; the weather stream is a **dependency** of the activity stream.',
          '',
          '- Weather records (topic in → cache put → "heartbeat") reach the **checkpoint** with',
          '  msg.dependency = "weather": heartbeats. Activity records are dependent pulses.',
          '  The marker of both is msg.payload.time.',
          '- When an activity is more than 1 h (the dependency\'s downtime threshold) ahead',
          '  of the last weather, the checkpoint sends `pause` on its third output: over the',
          '  link wires it reaches the activity **topic in**, which pauses its consumer.',
          '- When the weather catches up, it sends `seek` (back to the activity that found the',
          '  weather down: "reprocess" is on) and `resume`.',
          '- Both topic in nodes have 1 message in flight, so the checkpoint sees each stream',
          '  in order (the cache put in between is asynchronous and could reorder).',
          '',
          'On deploy "play the story" sends the cookbook\'s day, 2 s apart (event times from',
          'now on): weather 🌞 0:00 and ⛅ 1:00, then the station is silent; swimming 0:00,',
          'walking home 1:00, shopping 2:15 (the weather is 75 min behind: pause), lunch 3:00',
          '(held by the paused topic); the station is back with 🌦️ 2:10 (still late) and',
          '🌧 2:50 (caught up: seek back to shopping, resume).',
          '',
          'Watch "joined": swimming 🌞, walking home ⛅, shopping ⛅ (weather 75 min behind),',
          'then after the recovery shopping 🌦️ and lunch 🌧; "control" shows pause, seek,',
          'resume; the checkpoint\'s status shows "weather down" while the activities wait.',
        ].join('\n'),
        220,
        40,
      ),
      // Played a few seconds after deploy, when both consumers have joined their groups.
      inject('sync-inject', 'play the story', { once: true, onceDelay: 8 }, 150, 120, ['sync-story']),
      handle(
        'sync-story',
        'story: weather and activities',
        code(
          '// Yields [stream, record], 2 s apart; the switch routes each to its topic.',
          '// Event times are hours:minutes from now, so the story can be played again.',
          'const start = Date.now();',
          "const at = (hhmm) => { const [h, m] = hhmm.split(':').map(Number); return new Date(start + (h * 60 + m) * 60000).toISOString(); };",
          'const story = [',
          "  ['weather', { time: at('0:00'), sky: '🌞' }],",
          "  ['weather', { time: at('1:00'), sky: '⛅' }], // then the station is silent",
          "  ['activity', { time: at('0:00'), activity: 'swimming' }],",
          "  ['activity', { time: at('1:00'), activity: 'walking home' }],",
          "  ['activity', { time: at('2:15'), activity: 'shopping' }], // the weather is 75 min behind: pause",
          "  ['activity', { time: at('3:00'), activity: 'lunch' }], // waits in the paused topic",
          "  ['weather', { time: at('2:10'), sky: '🌦️' }], // back, but still late",
          "  ['weather', { time: at('2:50'), sky: '🌧' }], // caught up: seek back to shopping, resume",
          '];',
          'for (const step of story) {',
          '  yield step;',
          '  await new Promise((resolve) => setTimeout(resolve, 2000));',
          '}',
        ),
        370,
        120,
        ['sync-route'],
      ),
      {
        id: 'sync-route',
        type: 'switch',
        name: 'by stream',
        property: 'key',
        propertyType: 'msg',
        rules: [
          { t: 'eq', v: 'weather', vt: 'str' },
          { t: 'eq', v: 'activity', vt: 'str' },
        ],
        checkall: 'true',
        repair: false,
        outputs: 2,
        x: 570,
        y: 120,
        wires: [['sync-weather-out'], ['sync-activity-out']],
      },
      topicOut('sync-weather-out', 'weather out', { topic: weather }, 780, 100),
      topicOut('sync-activity-out', 'activities out', { topic: activity }, 780, 140),
      topicIn('sync-weather-in', 'weather in', { topic: weather, groupId: n.group('sync-weather'), maxInFlight: 1 }, 170, 220, ['sync-put']),
      cacheNode('sync-put', 'weather by time', { operation: 'put', columnFamily: 'sync_weather', key: 'payload.time', keyType: 'msg' }, 390, 220, ['sync-mark']),
      handle(
        'sync-mark',
        'heartbeat',
        code('// A message with msg.dependency is a heartbeat of that dependency.', "msg.dependency = 'weather';", 'return msg.payload;'),
        580,
        220,
        ['sync-checkpoint'],
      ),
      linkIn('sync-control-in', 'control in', ['sync-control-out'], 75, 300, ['sync-activity-in']),
      topicIn('sync-activity-in', 'activities in', { topic: activity, groupId: n.group('sync-activity'), maxInFlight: 1 }, 240, 300, ['sync-checkpoint']),
      {
        id: 'sync-checkpoint',
        type: 'slipstream-checkpoint',
        name: 'activity waits for weather',
        dependencies: [{ name: 'weather', threshold: 1, unit: 'h' }],
        store: 'store',
        marker: 'payload.time',
        markerType: 'msg',
        stateProperty: '',
        reprocess: true,
        x: 480,
        y: 320,
        wires: [['sync-join'], ['sync-heartbeats'], ['sync-control-out', 'sync-control']],
      },
      handle(
        'sync-join',
        'join with weather',
        code(
          'const { time, activity } = msg.payload;',
          'const behind = msg.checkpoint.downtime; // ms while the weather is down, else null',
          'for await (const [, report] of caches.weather.items({ fromKey: time, backwards: true, limit: 1 })) {',
          '  return behind ? `${activity} ${report.sky} (weather ${behind / 60000} min behind)` : `${activity} ${report.sky}`;',
          '}',
          'return `${activity}: no weather yet`;',
        ),
        740,
        280,
        ['sync-joined'],
        [{ name: 'weather', store: 'store', columnFamily: 'sync_weather' }],
      ),
      debug('sync-joined', 'joined', {}, 930, 280),
      debug('sync-heartbeats', 'heartbeat results', {}, 760, 320),
      linkOut('sync-control-out', 'control out', ['sync-control-in'], 715, 360),
      debug('sync-control', 'control', { complete: 'true' }, 740, 400),
    ],
  };
}

function proxyScenario() {
  return {
    label: 'Proxy',
    info: 'A hand-over between two handle nodes: the outputs of one are the source of the other.',
    needs: [],
    nodes: [
      comment(
        'proxy-comment',
        'Proxy: one handler hands its outputs to another',
        [
          "In the library a `Proxy` is a sink for one handler and the source of another.",
          'In a flow the link out → link in pair plays that part: "count off" yields each',
          'number of the inject\'s array; every yield is handed over to "zero and even",',
          "the seed's Yield example, which yields zero, one or two outputs per number",
          '(the two nodes could be on different tabs).',
          '',
          'Watch the debug sidebar on deploy:',
          '',
          '    zero: 0',
          '    even: 0',
          '    even: 2',
          '    even: 4',
        ].join('\n'),
        200,
        60,
      ),
      inject('proxy-inject', 'numbers', { payload: '[0,1,2,3,4]', payloadType: 'json', once: true, onceDelay: 1 }, 150, 140, ['proxy-first']),
      handle('proxy-first', 'count off', code('for (const n of msg.payload) yield n;'), 320, 140, ['proxy-out']),
      linkOut('proxy-out', 'hand over', ['proxy-in'], 465, 140),
      linkIn('proxy-in', 'take over', ['proxy-out'], 135, 220, ['proxy-second']),
      handle(
        'proxy-second',
        'zero and even',
        code('const n = msg.payload;', 'if (n === 0) yield `zero: ${n}`;', 'if (n % 2 === 0) yield `even: ${n}`;'),
        300,
        220,
        ['proxy-debug'],
      ),
      debug('proxy-debug', 'handed over', {}, 490, 220),
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

const ALL = [hello, kafkaScenario, countScenario, joinScenario, synchronizationScenario, proxyScenario];
const FILES = [
  ['all-examples.json', ALL, names('slipstream-demo', 'slipstream-demo')],
  ['hello.json', [hello], names('slipstream-example', 'slipstream-example')],
  ['kafka-produce-consume.json', [kafkaScenario], names('slipstream-example', 'slipstream-example-kafka')],
  ['count-by-key.json', [countScenario], names('slipstream-example', 'slipstream-example-count')],
  ['temporal-join.json', [joinScenario], names('slipstream-example', 'slipstream-example-join')],
  ['synchronization.json', [synchronizationScenario], names('slipstream-example', 'slipstream-example-sync')],
  ['proxy-hand-over.json', [proxyScenario], names('slipstream-example', 'slipstream-example')],
];

for (const [file, scenarios, naming] of FILES) {
  const flow = build(file, scenarios, naming);
  fs.writeFileSync(path.join(examplesDir, file), `${JSON.stringify(flow, null, 2)}\n`);
  console.log(`examples/${file}: ${flow.length} nodes`);
}
