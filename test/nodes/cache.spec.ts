import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import should from 'should';
import helper from 'node-red-node-test-helper';
import { Cache } from '../../lib/cache';
import {
  isCompleteValue,
  lastStatus,
  type Msg,
  onTab,
  received,
  recorder,
  removeTempDirs,
  sleep,
  storeNode,
  tempDir,
  waitFor,
} from './helpers';

const cacheNodes = require('../../nodes/cache/cache');
const catchNode = require('@node-red/nodes/core/common/25-catch.js');

helper.init(require.resolve('node-red'));

/** A cache node `id` on store `store`, wired to the helper node `<id>-out`. */
function cacheNode(id: string, operation: string, extra: Msg = {}): Msg[] {
  return [
    { id, type: 'slipstream-cache', store: 'store', operation, wires: [[`${id}-out`]], ...extra },
    { id: `${id}-out`, type: 'helper' },
  ];
}

async function load(dir: string, nodes: Msg[], columnFamilies = ''): Promise<Msg[]> {
  await helper.load([cacheNodes, catchNode], onTab([storeNode('store', dir, columnFamilies), ...nodes]));
  return recorder(helper.getNode('errors'));
}

function outputs(id: string): Msg[] {
  return recorder(helper.getNode(`${id}-out`));
}

/** Send `msg` to node `id` and wait for its next output. */
async function call(id: string, msg: Msg, out: Msg[]): Promise<Msg> {
  const before = out.length;
  helper.getNode(id).receive(msg as never);
  await waitFor(() => out.length > before);
  return out[before];
}

describe('slipstream-store and slipstream-cache nodes', function () {
  this.timeout(30_000);
  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(async () => {
    await helper.unload();
    removeTempDirs();
  });

  it('put, get, has and delete with msg.key and msg.payload; get of an absent key removes msg.payload', async () => {
    await load(tempDir(), [...cacheNode('put', 'put'), ...cacheNode('get', 'get'), ...cacheNode('has', 'has'), ...cacheNode('del', 'delete')]);
    const [put, get, has, del] = ['put', 'get', 'has', 'del'].map(outputs);
    should(await call('put', { key: 'a', payload: { n: 1, at: new Date(0) }, topic: 't' }, put)).match({ key: 'a', topic: 't' });
    should((await call('get', { key: 'a' }, get)).payload).eql({ n: 1, at: new Date(0) });
    should((await call('has', { key: 'a' }, has)).payload).be.true();
    await call('del', { key: 'a', payload: 'kept' }, del);
    should(del[0].payload).equal('kept');
    should((await call('has', { key: 'a' }, has)).payload).be.false();
    const absent = await call('get', { key: 'a', payload: 'old' }, get);
    should(absent).not.have.property('payload');
    should(lastStatus(helper.getNode('get'))).match({ fill: 'green', shape: 'dot', text: 'ready' });
  });

  it('takes key and value from typed inputs and writes results where the value location says', async () => {
    await load(tempDir(), [
      ...cacheNode('put', 'put', { key: '42', keyType: 'num', value: 'data.value', valueType: 'msg' }),
      ...cacheNode('get', 'get', { key: 'id', keyType: 'msg', value: 'result.value', valueType: 'msg' }),
    ]);
    await call('put', { data: { value: 'forty-two' } }, outputs('put'));
    const got = await call('get', { id: 42 }, outputs('get'));
    should(got.result).eql({ value: 'forty-two' });
    should((await call('get', { id: '42' }, outputs('get'))).result.value).be.undefined(); // keys are typed
  });

  it('a missing key goes to Catch with the message, which is not lost', async () => {
    const errors = await load(tempDir(), cacheNode('get', 'get'));
    helper.getNode('get').receive({ payload: 'precious', topic: 'x' } as never);
    const [err] = await received(errors, 1);
    should(err).match({ payload: 'precious', topic: 'x' });
    should(err.error.message).equal('Error: slipstream-cache: no key: msg.key is undefined');
    should(err.error.source.id).equal('get');
  });

  it('an unsupported key type goes to Catch', async () => {
    const errors = await load(tempDir(), cacheNode('put', 'put'));
    helper.getNode('put').receive({ key: { an: 'object' }, payload: 1 } as never);
    const [err] = await received(errors, 1);
    should(err.error.message).match(/key/i);
  });

  describe('query', () => {
    async function seeded(nodes: Msg[]): Promise<void> {
      await load(tempDir(), [...cacheNode('put', 'put'), ...nodes]);
      const put = outputs('put');
      for (const [key, value] of [['a1', 1], ['a2', 2], ['a3', 3], ['b1', 4], [10, 'ten'], [2, 'two']] as const) {
        await call('put', { key, payload: value }, put);
      }
    }

    it('items, keys and values as one array, in key order (numbers numerically, before strings)', async () => {
      await seeded([...cacheNode('items', 'query'), ...cacheNode('keys', 'query', { query: 'keys' }), ...cacheNode('values', 'query', { query: 'values' })]);
      should((await call('items', {}, outputs('items'))).payload).eql([[2, 'two'], [10, 'ten'], ['a1', 1], ['a2', 2], ['a3', 3], ['b1', 4]]);
      should((await call('keys', {}, outputs('keys'))).payload).eql([2, 10, 'a1', 'a2', 'a3', 'b1']);
      should((await call('values', {}, outputs('values'))).payload).eql(['two', 'ten', 1, 2, 3, 4]);
    });

    it('prefix, fromKey with backwards (temporal join) and limit, from typed inputs', async () => {
      await seeded([
        ...cacheNode('prefix', 'query', { prefix: 'a', prefixType: 'str', query: 'keys' }),
        ...cacheNode('before', 'query', { fromKey: 'at', fromKeyType: 'msg', backwards: true, limit: 1 }),
        ...cacheNode('limit', 'query', { fromKey: 'a2', limit: '2', query: 'keys' }),
      ]);
      should((await call('prefix', {}, outputs('prefix'))).payload).eql(['a1', 'a2', 'a3']);
      should((await call('before', { at: 'a25' }, outputs('before'))).payload).eql([['a2', 2]]);
      should((await call('limit', {}, outputs('limit'))).payload).eql(['a2', 'a3']);
    });

    it('one message per entry, with the key, the value and parts', async () => {
      await seeded(cacheNode('split', 'query', { prefix: 'a', split: true }));
      const out = outputs('split');
      helper.getNode('split').receive({ topic: 'q' } as never);
      const msgs = await received(out, 3);
      should(msgs.map((m) => [m.key, m.payload, m.topic, m.parts.index, m.parts.count])).eql([
        ['a1', 1, 'q', 0, 3],
        ['a2', 2, 'q', 1, 3],
        ['a3', 3, 'q', 2, 3],
      ]);
      should(new Set(msgs.map((m) => m.parts.id)).size).equal(1);
    });
  });

  describe('update', () => {
    it('1,000 concurrent increments on 10 keys end with exact counts', async () => {
      await load(tempDir(), [...cacheNode('inc', 'update', { func: 'return (oldValue ?? 0) + msg.payload;' }), ...cacheNode('get', 'get')]);
      const out = outputs('inc');
      const node = helper.getNode('inc');
      for (let i = 0; i < 1_000; i++) node.receive({ key: `k${i % 10}`, payload: 1 } as never);
      await received(out, 1_000);
      const get = outputs('get');
      for (let k = 0; k < 10; k++) should((await call('get', { key: `k${k}` }, get)).payload).equal(100);
      // Every intermediate result was seen exactly once per key: no two updates read the same old value.
      const seen = out.filter((m) => m.key === 'k3').map((m) => m.payload).sort((a, b) => a - b);
      should(seen).eql(Array.from({ length: 100 }, (_, i) => i + 1));
    });

    it('undefined leaves the value; an error in the function names its line and keeps the old value', async () => {
      const func = 'if (msg.payload === "keep") return undefined;\nif (msg.payload === "fail") throw new Error("nope");\nreturn msg.payload;';
      const errors = await load(tempDir(), [...cacheNode('upd', 'update', { func }), ...cacheNode('get', 'get')]);
      const out = outputs('upd');
      should((await call('upd', { key: 'k', payload: 'v1' }, out)).payload).equal('v1');
      should((await call('upd', { key: 'k', payload: 'keep' }, out)).payload).equal('v1');
      helper.getNode('upd').receive({ key: 'k', payload: 'fail' } as never);
      const [err] = await received(errors, 1);
      should(err.error.message).equal('Error: nope (update: line 2, col 35)');
      should((await call('get', { key: 'k' }, outputs('get'))).payload).equal('v1');
    });

    it('a syntax error in the function shows at deploy and fails messages to Catch', async () => {
      const errors = await load(tempDir(), cacheNode('upd', 'update', { func: 'return (;' }));
      should(lastStatus(helper.getNode('upd'))).match({ fill: 'red', text: /line 1/ });
      helper.getNode('upd').receive({ key: 'k', payload: 1 } as never);
      const [err] = await received(errors, 1);
      should(err.error.message).match(/slipstream-cache: Unexpected token .*\(update: line 1, col 9\)/);
      should(err.payload).equal(1);
    });
  });

  it('two cache nodes share one store; a watch node sees the updates of the others', async () => {
    await load(tempDir(), [
      ...cacheNode('put', 'put'),
      ...cacheNode('inc', 'update', { func: 'return (oldValue ?? 0) + 1;' }),
      ...cacheNode('get', 'get'),
      ...cacheNode('watch', 'watch'),
    ]);
    const watched = outputs('watch');
    await call('put', { key: 'x', payload: 41 }, outputs('put'));
    await call('inc', { key: 'x' }, outputs('inc'));
    should((await call('get', { key: 'x' }, outputs('get'))).payload).equal(42);
    await received(watched, 2);
    should(watched.map((m) => [m.key, m.payload])).eql([['x', 41], ['x', 42]]);
    should(lastStatus(helper.getNode('watch'))).match({ fill: 'green', text: 'ready' });
  });

  it('keeps column families apart', async () => {
    await load(
      tempDir(),
      [
        ...cacheNode('putA', 'put', { columnFamily: 'a' }),
        ...cacheNode('getA', 'get', { columnFamily: 'a' }),
        ...cacheNode('getB', 'get', { columnFamily: 'b' }),
      ],
      'a, b',
    );
    await call('putA', { key: 'k', payload: 'in a' }, outputs('putA'));
    should((await call('getA', { key: 'k' }, outputs('getA'))).payload).equal('in a');
    should((await call('getB', { key: 'k' }, outputs('getB'))).payload).be.undefined();
  });

  it('keeps the data across a redeploy, under the user directory for a relative path', async () => {
    const userDir = tempDir();
    helper.settings({ userDir });
    try {
      await load('state/db', cacheNode('put', 'put'));
      await call('put', { key: 'k', payload: 'survives' }, outputs('put'));
      await helper.unload();
      should(fs.existsSync(path.join(userDir, 'state', 'db', 'CURRENT'))).be.true();
      await load('state/db', cacheNode('get', 'get'));
      should((await call('get', { key: 'k' }, outputs('get'))).payload).equal('survives');
    } finally {
      helper.settings({ userDir: undefined });
    }
  });

  it('an unwritable path: a clear error and a red status on every user node', async () => {
    const file = path.join(tempDir(), 'a-file');
    fs.writeFileSync(file, '');
    const errors = await load(path.join(file, 'db'), [...cacheNode('get', 'get'), ...cacheNode('watch', 'watch')]);
    await waitFor(() => lastStatus(helper.getNode('watch'))?.fill === 'red' && lastStatus(helper.getNode('get'))?.fill === 'red');
    should(lastStatus(helper.getNode('get'))!.text).match(/^Cannot open cache/);
    helper.getNode('get').receive({ key: 'k', payload: 'kept' } as never);
    const [err] = await received(errors, 1);
    should(err.error.message).match(/Cannot open cache at .*a-file\/db: not a writable directory/);
    should(err.payload).equal('kept');
  });

  it('a crash mid-stream leaves no torn value (Node-RED child process SIGKILLed)', async function () {
    this.timeout(60_000);
    const dir = tempDir();
    const helpers = require.resolve('./helpers');
    const child = spawn(process.execPath, ['-e', `require(${JSON.stringify(helpers)}).crashWriter(${JSON.stringify(dir)})`], {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const killAt = 2_000 + Math.floor(Math.random() * 2_000);
    let finished = 0;
    await new Promise<void>((resolve, reject) => {
      child.on('message', (n) => {
        finished = n as number;
        if (finished >= killAt) child.kill('SIGKILL');
      });
      child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`writer exited: ${code} ${signal}`))));
    });
    const cache = new Cache(dir);
    try {
      const entries: Array<[unknown, unknown]> = [];
      for await (const entry of cache.items()) entries.push(entry);
      should(entries.map(([key]) => key)).eql(Array.from({ length: 10 }, (_, i) => `k${i}`));
      should(entries.filter(([, value]) => !isCompleteValue(value))).eql([]);
      const total = entries.reduce((sum, [, value]) => sum + (value as { n: number }).n, 0);
      should(total).be.aboveOrEqual(finished);
    } finally {
      await cache.close();
    }
    await sleep(0);
  });
});
