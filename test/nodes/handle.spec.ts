import fs from 'node:fs';
import should from 'should';
import helper from 'node-red-node-test-helper';
import { lastStatus, type Msg, onTab, received, recorder, removeTempDirs, sleep, statuses, storeNode, tempDir, waitFor } from './helpers';

const handleNodes = require('../../nodes/handle/handle');
const cacheNodes = require('../../nodes/cache/cache');
const catchNode = require('@node-red/nodes/core/common/25-catch.js');
const completeNode = require('@node-red/nodes/core/common/24-complete.js');

helper.init(require.resolve('node-red'));
// Values made by the user code belong to the sandbox's realm (as with the core function node).
(should as unknown as { config: { checkProtoEql: boolean } }).config.checkProtoEql = false;

/** A handle node `h` with `code` wired to the helper node `out`; returns what `out` and the catch node get. */
async function loadHandle(code: string, extra: Msg = {}, nodes: Msg[] = []): Promise<{ out: Msg[]; errors: Msg[] }> {
  await helper.load(
    [handleNodes, cacheNodes, catchNode, completeNode],
    onTab([{ id: 'h', type: 'slipstream-handle', func: code, wires: [['out']], ...extra }, { id: 'out', type: 'helper' }, ...nodes]),
  );
  return { out: recorder(helper.getNode('out')), errors: recorder(helper.getNode('errors')) };
}

function send(msg: Msg, id = 'h'): void {
  helper.getNode(id).receive(msg as never);
}

describe('slipstream-handle node', function () {
  this.timeout(20_000);
  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(async () => {
    await helper.unload();
    removeTempDirs();
  });

  describe('outputs', () => {
    it('yield value → msg.payload, other properties of the input kept', async () => {
      const { out } = await loadHandle('yield msg.payload * 2;');
      send({ payload: 21, topic: 't', key: 'k' });
      const [msg] = await received(out, 1);
      should(msg).match({ payload: 42, topic: 't', key: 'k' });
    });

    it('yield [key, value] → msg.key and msg.payload', async () => {
      const { out } = await loadHandle('yield [msg.payload.id, { n: msg.payload.n }];');
      send({ payload: { id: 'a', n: 1 }, topic: 't' });
      const [msg] = await received(out, 1);
      should(msg).match({ key: 'a', payload: { n: 1 }, topic: 't' });
    });

    it('several yields send several messages in order, then the returned value', async () => {
      const { out } = await loadHandle('for (const x of msg.payload) { await null; yield x; }\nreturn "end";');
      send({ payload: [1, 'two', { three: 3 }, [4, 5, 6]] });
      const msgs = await received(out, 5);
      should(msgs.map((m) => m.payload)).eql([1, 'two', { three: 3 }, [4, 5, 6], 'end']);
      should(new Set(msgs.map((m) => m._msgid)).size).equal(1); // one input, one message id
    });

    it('handles messages one at a time: outputs keep the input order', async () => {
      const { out } = await loadHandle('await new Promise((r) => setTimeout(r, msg.payload));\nyield msg.payload;');
      for (const ms of [40, 0, 20, 5]) send({ payload: ms });
      const msgs = await received(out, 4);
      should(msgs.map((m) => m.payload)).eql([40, 0, 20, 5]);
    });

    it('undefined and null send nothing', async () => {
      const { out } = await loadHandle('yield undefined; yield null; yield 0; yield ""; yield false; return null;');
      send({ payload: 1 });
      await sleep(100);
      should(out.map((m) => m.payload)).eql([0, '', false]);
    });

    it('return alone sends one message; an array that is not a pair is a payload', async () => {
      const { out } = await loadHandle('return [1, 2, 3];');
      send({ payload: 1 });
      const [msg] = await received(out, 1);
      should(msg.payload).eql([1, 2, 3]);
    });

    it('outputs of one input do not share objects', async () => {
      const { out } = await loadHandle('yield 1; yield 2;');
      send({ payload: 0, meta: { n: 1 } });
      const [a, b] = await received(out, 2);
      should(a.meta).eql(b.meta);
      should(a.meta).not.equal(b.meta);
    });

    it('node.send sends at once; code that mentions node.done() completes the message itself', async () => {
      const code = 'node.send({ payload: "early" });\nyield "late";\nsetTimeout(() => node.done(), 50);';
      const complete = { id: 'complete', type: 'complete', scope: ['h'], uncaught: false, wires: [['completed']] };
      const { out } = await loadHandle(code, {}, [complete, { id: 'completed', type: 'helper' }]);
      const completed = recorder(helper.getNode('completed'));
      send({ payload: 1 });
      await received(out, 2);
      should(out.map((m) => m.payload)).eql(['early', 'late']);
      should(completed).have.length(0);
      await received(completed, 1);
    });

    it('completes every message when the code does not call node.done()', async () => {
      const complete = { id: 'complete', type: 'complete', scope: ['h'], uncaught: false, wires: [['completed']] };
      await loadHandle('if (msg.payload > 1) yield msg.payload;', {}, [complete, { id: 'completed', type: 'helper' }]);
      const completed = recorder(helper.getNode('completed'));
      send({ payload: 1 });
      send({ payload: 2 });
      await received(completed, 2);
    });
  });

  describe('sandbox', () => {
    it('has no require and no process, but msg, node, context, flow, global, env, RED.util, Buffer', async () => {
      const code = [
        'context.set("n", (context.get("n") || 0) + 1);',
        'flow.set("f", 1); global.set("g", 2);',
        'yield {',
        '  require: typeof require, process: typeof process, module: typeof module,',
        '  node: node.id, n: context.get("n"), f: flow.get("f"), g: global.get("g"),',
        '  env: env.get("SLIPSTREAM_TEST_ENV"), clone: RED.util.cloneMessage({ a: 1 }),',
        '  buffer: Buffer.from("hi").toString("hex"), timers: typeof setTimeout,',
        '};',
      ].join('\n');
      process.env.SLIPSTREAM_TEST_ENV = 'from-env';
      const { out } = await loadHandle(code);
      send({ payload: 1 });
      const [msg] = await received(out, 1);
      should(msg.payload).eql({
        require: 'undefined',
        process: 'undefined',
        module: 'undefined',
        node: 'h',
        n: 1,
        f: 1,
        g: 2,
        env: 'from-env',
        clone: { a: 1 },
        buffer: '6869',
        timers: 'function',
      });
    });

    it('runs the On Start code once before the first message', async () => {
      const { out } = await loadHandle('yield context.get("started");', {
        initialize: 'await new Promise((r) => setTimeout(r, 50));\ncontext.set("started", (context.get("started") || 0) + 1);',
      });
      send({ payload: 1 });
      send({ payload: 2 });
      const msgs = await received(out, 2);
      should(msgs.map((m) => m.payload)).eql([1, 1]);
    });
  });

  describe('errors', () => {
    it('a throw goes to Catch with the message and the line; the next message is handled', async () => {
      const { out, errors } = await loadHandle('if (msg.payload === "bad") {\n  throw new Error("bad input");\n}\nyield msg.payload;');
      send({ payload: 'bad', id: 1 });
      send({ payload: 'good' });
      const [err] = await received(errors, 1);
      should(err.error.message).equal('Error: bad input (body: line 2, col 9)');
      should(err.error.source.id).equal('h');
      should(err).match({ payload: 'bad', id: 1 });
      const [msg] = await received(out, 1);
      should(msg.payload).equal('good');
    });

    it('a rejected promise and a thrown non-Error are reported too', async () => {
      const code = 'if (msg.payload === 1) await Promise.reject(new TypeError("rejected"));\nif (msg.payload === 2) throw "plain string";\nyield 3;';
      const { out, errors } = await loadHandle(code);
      send({ payload: 1 });
      send({ payload: 2 });
      send({ payload: 3 });
      const errs = await received(errors, 2);
      should(errs.map((e) => e.error.message).sort()).eql(['Error: plain string', 'TypeError: rejected (body: line 1, col 45)']);
      should((await received(out, 1))[0].payload).equal(3);
    });

    it('an error after some yields keeps what was sent and reports the line', async () => {
      const { out, errors } = await loadHandle('yield 1;\nyield 2;\nnull.boom;');
      send({ payload: 0 });
      const [err] = await received(errors, 1);
      should(err.error.message).match(/\(body: line 3, col \d+\)$/);
      should(out.map((m) => m.payload)).eql([1, 2]);
    });

    it('a syntax error shows at deploy with its line (red status) and fails every message to Catch', async () => {
      const { errors } = await loadHandle('yield 1;\nyield 2 +;\n');
      const node = helper.getNode('h');
      should(lastStatus(node)).match({ fill: 'red', shape: 'ring', text: /line 2/ });
      send({ payload: 1 });
      const [err] = await received(errors, 1);
      should(err.error.message).equal("SyntaxError: Unexpected token ';' (body: line 2, col 10)");
      should(err.payload).equal(1);
    });

    it('a one-line syntax error at the end of the code names that line, not the wrapper\'s', async () => {
      await loadHandle('return msg +');
      should(lastStatus(helper.getNode('h'))).match({ fill: 'red', text: 'Unexpected end of input (body: line 1, col 13)' });
    });

    it('an error in the On Start code is reported with its line', async () => {
      const { errors } = await loadHandle('yield 1;', { initialize: '\n\nundefinedFunction();' });
      send({ payload: 1 });
      const [err] = await received(errors, 1);
      should(err.error.message).match(/undefinedFunction is not defined \(setup: line 3, col 1\)/);
    });

    it('times out a message that takes too long, and a synchronous endless loop', async () => {
      const code = 'if (msg.payload === "slow") await new Promise((r) => setTimeout(r, 5000));\nif (msg.payload === "loop") while (true) {}\nyield msg.payload;';
      const { out, errors } = await loadHandle(code, { timeout: 0.2 });
      const started = Date.now();
      send({ payload: 'slow' });
      send({ payload: 'loop' });
      send({ payload: 'fast' });
      const errs = await received(errors, 2);
      should(Date.now() - started).be.below(3_000);
      should(errs.map((e) => `${e.payload}: ${e.error.message}`).sort()).eql(['loop: Error: timed out after 0.2 s', 'slow: Error: timed out after 0.2 s']);
      should((await received(out, 1))[0].payload).equal('fast');
    });
  });

  describe('a message that runs long', function () {
    this.timeout(30_000);

    it('is shown in the status with its running time; the status before it comes back when it finishes', async () => {
      const code = 'node.status({ text: "working" });\nawait new Promise((r) => setTimeout(r, 6_500));\nyield "late";';
      const { out } = await loadHandle(code);
      const node = helper.getNode('h');
      send({ payload: 1 });
      await waitFor(() => statuses(node).length === 2, 6_000, 'the notice');
      should(statuses(node)).eql([{ text: 'working' }, { fill: 'yellow', shape: 'ring', text: 'message running for 5 s' }]);
      should((await received(out, 1))[0].payload).equal('late');
      should(statuses(node)).eql([{ text: 'working' }, { fill: 'yellow', shape: 'ring', text: 'message running for 5 s' }, { text: 'working' }]);
    });

    it('an endless async loop is shown, and a redeploy stops it and its notice', async () => {
      await loadHandle('for (;;) await new Promise((r) => setTimeout(r, 100));');
      const node = helper.getNode('h');
      send({ payload: 1 });
      await waitFor(() => statuses(node).length === 1, 6_000, 'the notice');
      should(lastStatus(node)).eql({ fill: 'yellow', shape: 'ring', text: 'message running for 5 s' });
      const spy = (node as unknown as { status: { getCalls(): unknown[] } }).status;
      await helper.unload();
      const calls = spy.getCalls().length;
      await sleep(5_500);
      should(spy.getCalls().length).equal(calls); // no notice after the close
    });
  });

  describe('stores', () => {
    it('joins with caches.<name>: the newest weather at or before each activity (temporal join)', async () => {
      const dir = tempDir();
      const join = [
        'for await (const [time, weather] of caches.weather.items({ fromKey: msg.timestamp, backwards: true, limit: 1 })) {',
        '  yield [msg.key, { activity: msg.payload, weather }];',
        '}',
      ].join('\n');
      const nodes = [
        storeNode('store', dir),
        { id: 'put', type: 'slipstream-cache', store: 'store', operation: 'put', key: 'timestamp', keyType: 'msg', value: 'payload', valueType: 'msg', wires: [['stored']] },
        { id: 'stored', type: 'helper' },
      ];
      const { out, errors } = await loadHandle(join, { stores: [{ name: 'weather', store: 'store' }] }, nodes);
      const stored = recorder(helper.getNode('stored'));
      send({ timestamp: 1_000, payload: '☀️' }, 'put');
      send({ timestamp: 2_000, payload: '🌦️' }, 'put');
      await received(stored, 2);
      send({ key: 'alice', timestamp: 1_500, payload: 'swimming' });
      send({ key: 'bob', timestamp: 2_500, payload: 'shopping' });
      send({ key: 'carol', timestamp: 500, payload: 'too early' });
      await received(out, 2);
      await sleep(50);
      should(out.map((m) => [m.key, m.payload])).eql([
        ['alice', { activity: 'swimming', weather: '☀️' }],
        ['bob', { activity: 'shopping', weather: '🌦️' }],
      ]);
      should(errors).be.empty();
      should(lastStatus(helper.getNode('h'))).match({ fill: 'green', text: 'ready' });
    });

    it('shows the store error on the node when the store cannot be opened', async () => {
      const file = `${tempDir()}/a-file`;
      fs.writeFileSync(file, '');
      await loadHandle('yield await caches.db.get("k");', { stores: [{ name: 'db', store: 'store' }] }, [storeNode('store', `${file}/db`)]);
      const node = helper.getNode('h');
      await waitFor(() => lastStatus(node)?.fill === 'red');
      should(lastStatus(node)!.text).match(/Cannot open cache/);
    });
  });
});
