// Changelog stores in flows (issue 18): a slipstream-store that logs changes to
// Kafka follows the partitions of the topic-in that names it, so another
// Node-RED (another directory, the same group) continues from its state.
// Real broker, real RocksDB.
import path from 'node:path';
import should from 'should';
import helper from 'node-red-node-test-helper';
import type { Node } from 'node-red';
import { decodeKey } from '../../lib/cache/keys';
import type { StoreConfig } from '../../nodes/shared/store';
import { brokers, createTopic, kafka, uniqueTopic } from '../support/kafka';
import { readRecords } from '../support/totals';
import { type Msg, onTab, received, recorder, removeTempDirs, statuses, storeNode, tempDir, waitFor } from './helpers';

const topicNodes = require('../../nodes/topic/topic');
const cacheNodes = require('../../nodes/cache/cache');
const handleNodes = require('../../nodes/handle/handle');
const catchNode = require('@node-red/nodes/core/common/25-catch.js');
const functionNode = require('@node-red/nodes/core/function/10-function.js');
const nodeTypes = [topicNodes, cacheNodes, handleNodes, catchNode, functionNode];

helper.init(require.resolve('node-red'));

const PARTITIONS = 3;
const USERS = 7;

function broker(): Msg {
  return { id: 'broker', type: 'slipstream-kafka', brokers: brokers().join(','), clientId: 'node-test', saslMechanism: 'none' };
}

function changelogStore(id: string, dir: string, more: Msg = {}): Msg {
  return { ...storeNode(id, dir), changelog: true, ...more };
}

function topicIn(id: string, topic: string, groupId: string, store = 'store', wires: string[] = ['total']): Msg {
  return { id, type: 'slipstream-topic-in', name: id, broker: 'broker', topic, groupId, start: 'committed', codec: 'json', store, wires: [wires] };
}

/** A cache node keeping each user's running total (`msg.payload` = the new total). */
const totalNode: Msg = {
  id: 'total',
  type: 'slipstream-cache',
  store: 'store',
  operation: 'update',
  func: 'return (oldValue ?? 0) + msg.payload.amount;',
  wires: [['sink']],
};

/** topic-in (store with changelog, directory `dir`) → running totals → sink. */
function totalsFlow(dir: string, topic: string, groupId: string, inId = 'in'): Msg[] {
  return onTab([broker(), changelogStore('store', dir), topicIn(inId, topic, groupId), totalNode, { id: 'sink', type: 'helper' }]);
}

/** Payments `from` … `to - 1`: user u(i % USERS) pays i + 1. */
async function pay(topic: string, from: number, to: number): Promise<void> {
  const producer = kafka().producer();
  await producer.connect();
  const messages = Array.from({ length: to - from }, (_, j) => ({ key: `u${(from + j) % USERS}`, value: JSON.stringify({ amount: from + j + 1 }) }));
  await producer.send({ topic, messages });
  await producer.disconnect();
}

function exactTotals(count: number): Map<string, number> {
  const totals = new Map<string, number>();
  for (let i = 0; i < count; i++) totals.set(`u${i % USERS}`, (totals.get(`u${i % USERS}`) ?? 0) + i + 1);
  return totals;
}

/** The last total each user's messages carried. */
function lastTotals(msgs: Msg[]): Map<string, number> {
  return new Map(msgs.map((m) => [m.key as string, m.payload as number]));
}

async function committedEverything(groupId: string, topic: string): Promise<void> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    const ends = new Map((await admin.fetchTopicOffsets(topic)).map((o) => [o.partition, o.high]));
    let partitions: Array<{ partition: number; offset: string }> = [];
    const all = async (): Promise<boolean> => {
      [{ partitions }] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return partitions.every((p) => p.offset === ends.get(p.partition));
    };
    await waitFor(all, 30_000, () => `the group to commit every record (committed: ${JSON.stringify(partitions)})`, 200);
  } finally {
    await admin.disconnect();
  }
}

/** Every record of `topic` (read from the start until `count` came). */
async function readAll(topic: string, count: number): Promise<Array<{ partition: number; key: Buffer }>> {
  const consumer = kafka().consumer({ groupId: uniqueTopic('reader') });
  const got: Array<{ partition: number; key: Buffer }> = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ eachMessage: async ({ partition, message }) => void got.push({ partition, key: message.key as Buffer }) });
  try {
    await waitFor(() => got.length >= count, 30_000, `${count} records in ${topic}`);
  } finally {
    await consumer.disconnect();
  }
  return got;
}

async function topicNames(): Promise<string[]> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    return await admin.listTopics();
  } finally {
    await admin.disconnect();
  }
}

/** What `node` passed to `warn`, oldest first (the helper spies on Node.prototype.warn). */
function warnings(node: Node): string[] {
  const spy = (node as unknown as { warn: { getCalls?(): Array<{ thisValue: unknown; args: unknown[] }> } }).warn;
  return (spy.getCalls?.() ?? []).filter((call) => call.thisValue === node).map((call) => String(call.args[0]));
}

const storeOf = (id: string) => (helper.getNode(id) as unknown as StoreConfig).store;
const connected = (id: string) => waitFor(() => statuses(helper.getNode(id)).some((s) => s.text === 'connected'), 30_000, `${id} connected`);

describe('slipstream-store with a changelog, followed by topic-in (real broker, real RocksDB)', function () {
  this.timeout(120_000);
  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(async () => {
    await helper.unload();
    removeTempDirs();
  });

  it('another runtime (another directory, the same group) restores the state and continues the totals, showing "restoring n %"', async () => {
    const topic = uniqueTopic('cl-pay');
    const groupId = uniqueTopic('cl-group');
    await createTopic(topic, PARTITIONS);
    // The same store path name in two user directories: the changelog topic is named after it.
    await helper.load(nodeTypes, totalsFlow(path.join(tempDir(), 'totals'), topic, groupId));
    const first = recorder(helper.getNode('sink'));
    await connected('in');
    await pay(topic, 0, 60);
    should(lastTotals(await received(first, 60, 30_000))).eql(exactTotals(60));
    await committedEverything(groupId, topic);
    await helper.unload();
    should(await topicNames()).containEql(`${groupId}-totals-changelog`);

    await helper.load(nodeTypes, totalsFlow(path.join(tempDir(), 'totals'), topic, groupId));
    const second = recorder(helper.getNode('sink'));
    await pay(topic, 60, 100);
    const after = await received(second, 40, 60_000);
    // Continued from the restored totals, not from zero.
    should(lastTotals(after)).eql(exactTotals(100));
    const texts = statuses(helper.getNode('in')).map((s) => s.text);
    should(texts.some((text) => /^restoring \d+ %$/.test(text))).be.true(`statuses: ${texts.join(' | ')}`);
    should(statuses(helper.getNode('in')).at(-1)).match({ fill: 'green', text: 'connected' });
  });

  it("cache and handle nodes' writes log to the partition of the message's record (not the key's); other column families to <topic>-<family>", async () => {
    const topic = uniqueTopic('cl-part');
    const changelog = uniqueTopic('cl-named');
    await createTopic(topic, PARTITIONS);
    const flow = onTab([
      broker(),
      changelogStore('store', path.join(tempDir(), 'db'), { columnFamilies: 'extra', changelogTopic: changelog }),
      // Started before the topic-in, which makes the store's caches again: they look them up per message.
      { id: 'put', type: 'slipstream-cache', store: 'store', operation: 'put', wires: [['sink']] },
      { id: 'extra', type: 'slipstream-handle', func: 'await caches.extra(msg.key, msg.payload);\nreturn msg.payload;', stores: [{ name: 'extra', store: 'store', columnFamily: 'extra' }], wires: [['sink']] },
      topicIn('in', topic, uniqueTopic('cl-group'), 'store', ['put', 'extra']),
      { id: 'sink', type: 'helper' },
    ]);
    await helper.load(nodeTypes, flow);
    const sink = recorder(helper.getNode('sink'));
    await connected('in');
    // Each key to a partition of its own choosing: for most, not the one its key hashes to.
    const producer = kafka().producer();
    await producer.connect();
    const sent = Array.from({ length: 30 }, (_, i) => ({ key: `k${i}`, value: JSON.stringify(i), partition: i % PARTITIONS }));
    await producer.send({ topic, messages: sent });
    await producer.disconnect();
    await received(sink, 60, 30_000);
    for (const name of [changelog, `${changelog}-extra`]) {
      const logged = await readAll(name, sent.length);
      should(new Map(logged.map(({ key, partition }) => [decodeKey(key), partition]))).eql(new Map(sent.map(({ key, partition }) => [key, partition])));
    }
  });

  it('a redeploy that replaces the topic-in detaches the store: the new one follows it and the totals go on', async () => {
    const topic = uniqueTopic('cl-redeploy');
    const groupId = uniqueTopic('cl-group');
    await createTopic(topic, PARTITIONS);
    const dir = path.join(tempDir(), 'totals');
    await helper.load(nodeTypes, totalsFlow(dir, topic, groupId, 'in1'));
    await connected('in1');
    should(storeOf('store').follower).match({ id: 'in1' });
    await pay(topic, 0, 20);
    await received(recorder(helper.getNode('sink')), 20, 30_000);

    await helper.setFlows(totalsFlow(dir, topic, groupId, 'in2'), 'nodes');
    const sink = recorder(helper.getNode('sink'));
    should(storeOf('store').follower).match({ id: 'in2' });
    await connected('in2');
    await pay(topic, 20, 40);
    await received(sink, 20, 30_000);
    // At-least-once: records in1 had not committed may come again, so totals are at least exact.
    const totals = lastTotals(sink);
    for (const [user, exact] of exactTotals(40)) should(totals.get(user)).be.aboveOrEqual(exact);
    should(statuses(helper.getNode('in2')).filter((s) => s.fill === 'red')).be.empty();
  });

  it('refuses a second topic-in on one store, a store with the default group id or several topics; warns about a store nobody follows', async () => {
    const topic = uniqueTopic('cl-refuse');
    await createTopic(topic, 1);
    const flow = onTab([
      broker(),
      changelogStore('store', path.join(tempDir(), 'a')),
      changelogStore('defaultGroup', path.join(tempDir(), 'b')),
      changelogStore('several', path.join(tempDir(), 'c')),
      changelogStore('unfollowed', path.join(tempDir(), 'd')),
      topicIn('first', topic, uniqueTopic('g'), 'store', []),
      topicIn('second', topic, uniqueTopic('g'), 'store', []),
      { ...topicIn('noGroup', topic, '', 'defaultGroup', []) },
      topicIn('list', `${topic}, ${topic}-other`, uniqueTopic('g'), 'several', []),
      { id: 'local', type: 'slipstream-cache', store: 'unfollowed', operation: 'update', func: 'return (oldValue ?? 0) + 1;', wires: [['sink']] },
      { id: 'sink', type: 'helper' },
    ]);
    await helper.load(nodeTypes, flow);
    should(statuses(helper.getNode('second')).at(-1)).eql({ fill: 'red', shape: 'ring', text: 'store already follows first' });
    should(storeOf('store').follower).match({ id: 'first' });
    should(statuses(helper.getNode('noGroup')).at(-1)).match({ fill: 'red', text: 'state store needs a group id' });
    should(statuses(helper.getNode('list')).at(-1)).match({ fill: 'red', text: 'a state store follows one topic' });
    // Its messages fail with the reason (Catch nodes see it).
    const errors = recorder(helper.getNode('errors'));
    helper.getNode('second').receive({ action: 'pause' } as never);
    const [error] = await received(errors, 1);
    should(error.error.message).match(/already follows the partitions of topic-in first/);
    // A store that logs changes but that no topic-in follows: a warning, and its caches work locally.
    await waitFor(() => warnings(helper.getNode('unfollowed')).length > 0, 10_000, 'the warning');
    should(warnings(helper.getNode('unfollowed'))[0]).match(/no slipstream-topic-in names it/);
    const sink = recorder(helper.getNode('sink'));
    helper.getNode('local').receive({ key: 'k' } as never);
    helper.getNode('local').receive({ key: 'k' } as never);
    should((await received(sink, 2)).map((m) => m.payload)).eql([1, 2]);
  });

  it('a store without the changelog option that a topic-in names: a warning, the topic-in consumes as usual', async () => {
    const topic = uniqueTopic('cl-local');
    await createTopic(topic, 1);
    await helper.load(nodeTypes, onTab([broker(), storeNode('store', tempDir()), topicIn('in', topic, uniqueTopic('g'), 'store', ['sink']), { id: 'sink', type: 'helper' }]));
    should(warnings(helper.getNode('in'))[0]).match(/does not log changes to Kafka/);
    const sink = recorder(helper.getNode('sink'));
    await connected('in');
    await pay(topic, 0, 1);
    should((await received(sink, 1, 30_000))[0].payload).eql({ amount: 1 });
  });

  it('exactly-once: a flow failing mid-stream starts again from its last transaction; the outputs, read committed, hold each total once and every total is exact', async () => {
    const topic = uniqueTopic('cl-eos');
    const output = uniqueTopic('cl-eos-out');
    const groupId = uniqueTopic('cl-group');
    await createTopic(topic, PARTITIONS);
    await createTopic(output, PARTITIONS);
    const flow = onTab([
      broker(),
      changelogStore('store', path.join(tempDir(), 'totals')),
      { ...topicIn('in', topic, groupId), processingGuarantee: 'exactly-once' },
      { ...totalNode, wires: [['fail-once']] },
      // The 30th total fails once: its transaction (with the totals and outputs before it) is aborted.
      {
        id: 'fail-once',
        type: 'function',
        func: "const n = (global.get('n') ?? 0) + 1;\nglobal.set('n', n);\nif (n === 30) throw new Error('boom');\nreturn msg;",
        wires: [['out']],
      },
      { id: 'out', type: 'slipstream-topic-out', broker: 'broker', topic: output, codec: 'json' },
    ]);
    await helper.load(nodeTypes, flow);
    await connected('in');
    await pay(topic, 0, 60);
    await committedEverything(groupId, topic);
    // Handled again after the failure: more than 60 messages went through.
    should(helper.getNode('fail-once').context().global.get('n')).be.above(60);
    const outputs = await readRecords(output);
    should(outputs).have.length(60);
    should(new Map(outputs.map(({ key, value }) => [key, value]))).eql(exactTotals(60));
    should(new Set(outputs.map(({ key, value }) => `${key}:${String(value)}`)).size).equal(60);
  });
});
