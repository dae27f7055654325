import type { NodeMessage } from 'node-red';
import should from 'should';
import helper from 'node-red-node-test-helper';
import { shortText } from '../../nodes/shared/status';
import { brokers, createTopic, kafka, uniqueTopic } from '../support/kafka';
import { committedOffsets } from '../support/totals';
import { lastStatus, type Msg, onTab, type Receiver, received, recorder, sleep, waitFor } from './helpers';

const topicNodes = require('../../nodes/topic/topic');
const linkNodes = require('@node-red/nodes/core/common/60-link.js');
const completeNode = require('@node-red/nodes/core/common/24-complete.js');

helper.init(require.resolve('node-red'));

/** Collect `count` messages arriving at a helper node. */
function collect(node: Receiver, count: number): Promise<Msg[]> {
  const got = recorder(node);
  return received(got, count, 60_000);
}

function broker(id = 'broker'): Msg {
  return { id, type: 'slipstream-kafka', brokers: brokers().join(','), clientId: 'node-test', saslMechanism: 'none' };
}

describe('slipstream topic nodes (real broker)', function () {
  this.timeout(90_000);
  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(() => helper.unload());

  it('produces through topic-out and consumes through topic-in with key, headers, partition, timestamp', async () => {
    const name = uniqueTopic('nodes-rt');
    await createTopic(name, 3);
    const flow = [
      broker(),
      { id: 'out', type: 'slipstream-topic-out', broker: 'broker', topic: name, codec: 'json', acks: '-1', compression: 'gzip' },
      { id: 'in', type: 'slipstream-topic-in', broker: 'broker', topic: name, groupId: uniqueTopic('g'), start: 'committed', codec: 'json', maxInFlight: '10', wires: [['sink']] },
      { id: 'sink', type: 'helper' },
    ];
    await helper.load([topicNodes], onTab(flow));
    const received = collect(helper.getNode('sink') as Receiver, 3);
    const out = helper.getNode('out');
    const before = Date.now();
    out.receive({ payload: { n: 1 }, key: 'alpha', headers: { source: 'test' } } as never);
    out.receive({ payload: { n: 2 }, key: 'beta', partition: 2 } as never);
    out.receive({ payload: null, key: 'gone' } as never);
    const msgs = await received;
    const byKey = Object.fromEntries(msgs.map((m) => [m.key, m]));
    should(byKey.alpha).match({ payload: { n: 1 }, topic: name, headers: { source: 'test' } });
    should(byKey.alpha.partition).be.within(0, 2);
    should(byKey.alpha.offset).be.a.Number();
    should(byKey.alpha.timestamp).be.within(before - 5_000, Date.now() + 5_000);
    should(byKey.beta).match({ payload: { n: 2 }, partition: 2, offset: 0 });
    should(byKey.gone.payload).be.null();
  });

  it('topic-in reads several topics: a comma-separated list, and a pattern; an invalid pattern is refused with a red status', async () => {
    const prefix = uniqueTopic('nodes-multi');
    const [a, b] = [`${prefix}.a`, `${prefix}.b`];
    await createTopic(a, 1);
    await createTopic(b, 2);
    const producer = kafka().producer();
    await producer.connect();
    await producer.send({ topic: a, messages: [{ key: 'x', value: '"from a"' }] });
    await producer.send({ topic: b, messages: [{ key: 'y', value: '"from b"', partition: 1 }] });
    await producer.disconnect();
    const pattern = `/^${prefix.replace(/-/g, '[-]')}[.]/`;
    const flow = [
      broker(),
      { id: 'list', type: 'slipstream-topic-in', broker: 'broker', topic: `${a}, ${b}`, groupId: uniqueTopic('g'), start: 'earliest', codec: 'json', wires: [['fromList']] },
      { id: 'pattern', type: 'slipstream-topic-in', broker: 'broker', topic: pattern, groupId: uniqueTopic('g'), start: 'earliest', codec: 'json', wires: [['fromPattern']] },
      { id: 'bad', type: 'slipstream-topic-in', broker: 'broker', topic: '/(/', groupId: uniqueTopic('g'), codec: 'json', wires: [[]] },
      { id: 'fromList', type: 'helper' },
      { id: 'fromPattern', type: 'helper' },
    ];
    await helper.load([topicNodes], onTab(flow));
    const [fromList, fromPattern] = await Promise.all([collect(helper.getNode('fromList') as Receiver, 2), collect(helper.getNode('fromPattern') as Receiver, 2)]);
    for (const msgs of [fromList, fromPattern]) {
      should(msgs.map((m) => [m.topic, m.partition, m.payload]).sort()).eql([[a, 0, 'from a'], [b, 1, 'from b']]);
    }
    should(lastStatus(helper.getNode('bad'))).match({ fill: 'red', text: 'invalid topic pattern' });
  });

  it('pauses, resumes and seeks through link out → link in → topic-in', async () => {
    const name = uniqueTopic('nodes-ctl');
    const flow = [
      broker(),
      { id: 'out', type: 'slipstream-topic-out', broker: 'broker', topic: name, codec: 'string' },
      { id: 'ctl', type: 'link out', mode: 'link', links: ['ctlIn'], wires: [] },
      { id: 'ctlIn', type: 'link in', links: ['ctl'], wires: [['in']] },
      { id: 'in', type: 'slipstream-topic-in', broker: 'broker', topic: name, groupId: uniqueTopic('g'), start: 'committed', codec: 'string', maxInFlight: '5', wires: [['sink']] },
      { id: 'sink', type: 'helper' },
    ];
    await helper.load([topicNodes, linkNodes], onTab(flow));
    const sink = helper.getNode('sink') as Receiver;
    const seen: string[] = [];
    sink.on('input', (msg) => seen.push(String(msg.payload)));
    const out = helper.getNode('out');
    const ctl = helper.getNode('ctl');
    out.receive({ payload: 'a' } as never);
    await waitFor(() => seen.length === 1, 30_000);
    ctl.receive({ action: 'pause' } as never);
    await sleep(500);
    out.receive({ payload: 'b' } as never);
    out.receive({ payload: 'c' } as never);
    await sleep(3_000);
    should(seen).eql(['a']);
    ctl.receive({ action: 'resume' } as never);
    await waitFor(() => seen.length === 3, 30_000);
    // b and c were produced concurrently: either order is right.
    should(seen.slice(1).sort()).eql(['b', 'c']);
    ctl.receive({ action: 'seek', offset: -2 } as never);
    await waitFor(() => seen.length === 6, 30_000);
    should(seen.slice(3)).eql(seen.slice(0, 3));

    // Paused with a record fetched and held; a seek and a resume sent together
    // (as the checkpoint does on recovery): nothing comes before the seek's position.
    ctl.receive({ action: 'pause' } as never);
    await sleep(500);
    out.receive({ payload: 'd' } as never);
    await sleep(2_000);
    should(seen).have.length(6);
    ctl.receive({ action: 'seek', offset: { 0: 1 } } as never);
    ctl.receive({ action: 'resume' } as never);
    await waitFor(() => seen.length === 9, 30_000);
    should(seen.slice(6)).eql([...seen.slice(1, 3), 'd']);
  });

  it('topic-out keeps the order of the messages it gets (one partition: the consumer sees them in that order)', async () => {
    const name = uniqueTopic('nodes-order');
    await createTopic(name, 1);
    const flow = [
      broker(),
      { id: 'out', type: 'slipstream-topic-out', broker: 'broker', topic: name, codec: 'string' },
      { id: 'in', type: 'slipstream-topic-in', broker: 'broker', topic: name, groupId: uniqueTopic('g'), start: 'earliest', codec: 'string', wires: [['sink']] },
      { id: 'sink', type: 'helper' },
    ];
    await helper.load([topicNodes], onTab(flow));
    const got = collect(helper.getNode('sink') as Receiver, 200);
    const out = helper.getNode('out');
    // Sent at once, as a fast flow does: each send must not overtake the ones before it.
    for (let i = 0; i < 200; i++) out.receive({ payload: String(i), key: `k${i % 3}` } as never);
    should((await got).map((m) => m.payload)).eql(Array.from({ length: 200 }, (_, i) => String(i)));
  });

  it('topic-in lets the runtime deliver its messages while it sends a large fetch: at most 100 go out before the first arrives', async () => {
    const name = uniqueTopic('nodes-burst');
    await createTopic(name, 1);
    const producer = kafka().producer();
    await producer.connect();
    await producer.send({ topic: name, messages: Array.from({ length: 600 }, (_, i) => ({ key: 'k', value: String(i) })) });
    await producer.disconnect();
    const flow = [
      broker(),
      { id: 'in', type: 'slipstream-topic-in', broker: 'broker', topic: name, groupId: uniqueTopic('g'), start: 'earliest', codec: 'string', wires: [['sink']] },
      { id: 'sink', type: 'helper' },
    ];
    await helper.load([topicNodes], onTab(flow));
    const topicIn = helper.getNode('in');
    const send = topicIn.send.bind(topicIn);
    let sent = 0;
    topicIn.send = (msg: NodeMessage | Array<NodeMessage | NodeMessage[] | null>) => {
      sent++;
      send(msg);
    };
    const sink = helper.getNode('sink') as Receiver;
    let sentAtFirstArrival: number | undefined;
    sink.on('input', () => (sentAtFirstArrival ??= sent));
    const msgs = await collect(sink, 600);
    should(msgs.map((m) => m.payload)).eql(Array.from({ length: 600 }, (_, i) => String(i)));
    should(sentAtFirstArrival).be.within(1, 100);
  });

  it('topic-out with its acknowledgement output: each message goes on with msg.kafka = { topic, partition, offset } where a consumer finds it', async () => {
    const name = uniqueTopic('nodes-ack');
    await createTopic(name, 3);
    const flow = [
      broker(),
      { id: 'out', type: 'slipstream-topic-out', broker: 'broker', topic: name, codec: 'string', compression: 'zstd', outputs: 1, wires: [['acked']] },
      { id: 'acked', type: 'helper' },
      // Wired all the same: the runtime would deliver what it sent.
      { id: 'silent', type: 'slipstream-topic-out', broker: 'broker', topic: name, codec: 'string', wires: [['never']] },
      { id: 'never', type: 'helper' },
      { id: 'complete', type: 'complete', scope: ['silent'], uncaught: false, wires: [['completed']] },
      { id: 'completed', type: 'helper' },
    ];
    await helper.load([topicNodes, completeNode], onTab(flow));
    const acked = collect(helper.getNode('acked') as Receiver, 30);
    const out = helper.getNode('out');
    for (let i = 0; i < 30; i++) {
      out.receive((i % 3 === 0 ? { payload: `p${i}`, partition: i % 2 } : { payload: `p${i}`, key: `k${i % 4}`, marker: i }) as never);
    }
    const msgs = await acked;
    // The message itself goes on (its other properties kept), with where it was written.
    should(msgs.find((m) => m.payload === 'p1')).match({ key: 'k1', marker: 1 });
    for (const m of msgs) {
      should(m.kafka).have.only.keys('topic', 'partition', 'offset');
      should(m.kafka).match({ topic: name, partition: (p: unknown) => typeof p === 'number', offset: (o: unknown) => typeof o === 'number' });
    }
    should(msgs.filter((m) => m.partition !== undefined).every((m) => m.kafka.partition === m.partition)).be.true();
    should(new Set(msgs.map((m) => m.kafka.partition)).size).be.above(1);
    // A consumer reads each message at the position the output reported.
    const consumer = kafka().consumer({ groupId: uniqueTopic('g') });
    await consumer.connect();
    await consumer.subscribe({ topics: [name], fromBeginning: true });
    const at = new Map<string, string>();
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          at.set(`${partition}/${message.offset}`, String(message.value));
          if (at.size === 30) resolve();
        },
      });
    });
    await consumer.disconnect();
    should(msgs.map((m) => at.get(`${m.kafka.partition}/${m.kafka.offset}`))).eql(msgs.map((m) => m.payload));
    // Without the output (the default) a message completes and goes nowhere.
    const never = recorder(helper.getNode('never'));
    const completed = collect(helper.getNode('completed') as Receiver, 1);
    (helper.getNode('silent') as any).receive({ payload: 'quiet' });
    should((await completed)[0].payload).equal('quiet');
    await sleep(200);
    should(never).be.empty();
  });

  it('topic-out refuses a compression it does not know, naming it', async () => {
    const flow = [broker(), { id: 'out', type: 'slipstream-topic-out', broker: 'broker', topic: 'never', codec: 'string', compression: 'brotli' }];
    await helper.load([topicNodes], onTab(flow));
    const out = helper.getNode('out') as any;
    should(out.status.lastCall.args[0]).match({ fill: 'red', text: 'invalid compression' });
    should(String(out.error.firstCall.args[0])).equal('slipstream-topic-out: compression must be one of none, gzip, snappy, lz4, zstd, got: "brotli"');
    const errors = recorder(helper.getNode('errors'));
    out.receive({ payload: 'lost?' });
    should((await received(errors, 1, 5_000))[0].error.message).match(/compression must be one of .*"brotli"/);
  });

  it('reports bad input: undecodable records, an unknown control action, objects with the string codec, a rejected topic name', async () => {
    const name = uniqueTopic('nodes-bad');
    const flow = [
      broker(),
      { id: 'raw', type: 'slipstream-topic-out', broker: 'broker', topic: name, codec: 'string' },
      { id: 'in', type: 'slipstream-topic-in', broker: 'broker', topic: name, groupId: uniqueTopic('g'), start: 'committed', codec: 'json', wires: [['sink']] },
      { id: 'sink', type: 'helper' },
      { id: 'badname', type: 'slipstream-topic-out', broker: 'broker', topic: 'bad name with spaces', codec: 'string' },
    ];
    await helper.load([topicNodes], onTab(flow));
    const inNode = helper.getNode('in') as any;
    const received = collect(helper.getNode('sink') as Receiver, 1);
    const raw = helper.getNode('raw') as any;
    raw.receive({ payload: '{broken' });
    raw.receive({ payload: '{"fine":true}' });
    should((await received)[0].payload).eql({ fine: true });
    await waitFor(() => inNode.error.args.some((a: unknown[]) => new RegExp(`Topic ${name} partition 0 offset \\d`).test(String(a[0]))), 30_000);

    inNode.receive({ action: 'jump' });
    await waitFor(() => inNode.warn.args.some((a: unknown[]) => /unknown action "jump"/.test(String(a[0]))), 10_000);

    raw.receive({ payload: { an: 'object' }, _msgid: 'obj' });
    // The helper's spies see every node's calls: pick this one's by its msg.
    const errorFor = (msgid: string) => () =>
      (raw.error.args as unknown[][]).find((a) => (a[1] as Msg | undefined)?._msgid === msgid);
    await waitFor(() => errorFor('obj')() !== undefined, 30_000);
    should(String(errorFor('obj')()![0])).match(/no codec.*strings and Buffers/);

    const badname = helper.getNode('badname') as any;
    badname.receive({ payload: 'x', _msgid: 'bad' });
    await waitFor(() => errorFor('bad')() !== undefined, 60_000);
    should(String(errorFor('bad')()![0])).match(/Error while producing to Topic bad name with spaces/);
  });

  it('commits a record only after every node it reached called done()', async () => {
    const name = uniqueTopic('nodes-alo');
    const groupId = uniqueTopic('g');
    const held: Array<() => void> = [];
    const holdNode = (RED: any): void => {
      RED.nodes.registerType('hold', function (this: any, def: Msg) {
        RED.nodes.createNode(this, def);
        this.on('input', (_msg: Msg, _send: unknown, done: () => void) => held.push(done));
      });
    };
    const flow = [
      broker(),
      { id: 'out', type: 'slipstream-topic-out', broker: 'broker', topic: name, codec: 'string' },
      { id: 'in', type: 'slipstream-topic-in', broker: 'broker', topic: name, groupId, start: 'committed', codec: 'string', maxInFlight: '10', wires: [['hold', 'sink']] },
      { id: 'hold', type: 'hold' },
      { id: 'sink', type: 'helper' },
    ];
    await helper.load([topicNodes, holdNode], onTab(flow));
    const out = helper.getNode('out') as any;
    for (const payload of ['r0', 'r1', 'r2']) out.receive({ payload });
    await waitFor(() => held.length === 3, 30_000);
    const admin = kafka().admin();
    await admin.connect();
    const committed = async (): Promise<string> => (await admin.fetchOffsets({ groupId, topics: [name] }))[0].partitions[0].offset;
    try {
      await sleep(2_500); // longer than the commit interval
      should(await committed()).equal('-1');
      held[1](); // out of order: r1 done, r0 still held
      await sleep(2_500);
      should(await committed()).equal('-1');
      held[0]();
      await waitFor(async () => (await committed()) === '2', 15_000, 'offset 2 to be committed', 200);
      held[2]();
      await waitFor(async () => (await committed()) === '3', 15_000, 'offset 3 to be committed', 200);
    } finally {
      await admin.disconnect();
    }
  });

  /** A node that completes 'bad' messages with an error and the others without. */
  const judgeNode = (RED: any): void => {
    RED.nodes.registerType('judge', function (this: any, def: Msg) {
      RED.nodes.createNode(this, def);
      this.on('input', (msg: Msg, _send: unknown, done: (err?: Error) => void) => done(msg.payload === 'bad' ? new Error('judge rejects bad') : undefined));
    });
  };

  for (const onFailure of ['hold', 'skip'] as const) {
    it(`a message completed with an error: ${onFailure === 'hold' ? 'holds its partition\'s commits there (default)' : 'skip commits past it'}`, async () => {
      const name = uniqueTopic(`nodes-${onFailure}`);
      const groupId = uniqueTopic('g');
      const flow = [
        broker(),
        { id: 'out', type: 'slipstream-topic-out', broker: 'broker', topic: name, codec: 'string' },
        { id: 'in', type: 'slipstream-topic-in', broker: 'broker', topic: name, groupId, start: 'committed', codec: 'string', maxInFlight: '10', ...(onFailure === 'skip' ? { onFailure } : {}), wires: [['judge', 'sink']] },
        { id: 'judge', type: 'judge' },
        { id: 'sink', type: 'helper' },
      ];
      await helper.load([topicNodes, judgeNode], onTab(flow));
      const got = recorder(helper.getNode('sink'));
      const out = helper.getNode('out') as any;
      for (const payload of ['r0', 'bad', 'r2', 'r3']) out.receive({ payload });
      await received(got, 4, 30_000);
      const admin = kafka().admin();
      await admin.connect();
      const committed = async (): Promise<string> => (await admin.fetchOffsets({ groupId, topics: [name] }))[0].partitions[0].offset;
      try {
        const expected = onFailure === 'hold' ? '1' : '4';
        await waitFor(async () => (await committed()) === expected, 15_000, `offset ${expected} to be committed`, 200);
        await sleep(2_500); // longer than the commit interval: a held partition stays held
        should(await committed()).equal(expected);
      } finally {
        await admin.disconnect();
      }
      const inNode = helper.getNode('in') as any;
      if (onFailure === 'hold') should(inNode.status.lastCall.args[0]).match({ fill: 'yellow', text: /^failed p0@1, commits held: judge rejects bad/ });
    });
  }

  const growNode = (RED: any): void => {
    RED.nodes.registerType('grow', function (this: any, def: Msg) {
      RED.nodes.createNode(this, def);
      this.on('input', (msg: Msg, send: (msg: Msg) => void, done: () => void) => {
        if (msg.payload === 'big') msg.payload = 'x'.repeat(2_000_000); // more than the broker takes in a record
        send(msg);
        done();
      });
    });
  };

  it("topic-out hands a topic-in record's acknowledgement to its commit: an output the broker refuses holds the commits at its record, and Catch nodes get its message", async () => {
    const input = uniqueTopic('nodes-ack-in');
    const output = uniqueTopic('nodes-ack-out');
    const groupId = uniqueTopic('g');
    const flow = [
      broker(),
      { id: 'feed', type: 'slipstream-topic-out', broker: 'broker', topic: input, codec: 'string' },
      { id: 'in', type: 'slipstream-topic-in', broker: 'broker', topic: input, groupId, start: 'committed', codec: 'string', wires: [['grow']] },
      { id: 'grow', type: 'grow', wires: [['out']] },
      { id: 'out', type: 'slipstream-topic-out', broker: 'broker', topic: output, codec: 'string' },
    ];
    await helper.load([topicNodes, growNode], onTab(flow));
    const caught = recorder(helper.getNode('errors')); // the tab's Catch node
    const feed = helper.getNode('feed') as any;
    const committed = async (): Promise<number | undefined> => (await committedOffsets(groupId, input)).get(0);
    feed.receive({ payload: 'r0' });
    await waitFor(async () => (await committed()) === 1, 30_000, 'the first record to be committed', 200);
    for (const payload of ['big', 'r2', 'r3']) feed.receive({ payload });
    const [first] = await received(caught, 1, 30_000);
    should(first.error.message).match(/Error while producing to Topic .*larger than the max message size/);
    should(first.error.source.id).equal('out');
    await sleep(2_500); // longer than the commit interval: held at the refused record
    should(await committed()).equal(1);
    // The records produced in the refused request with it (offsets 2 and 3 here) failed too: the status names the last.
    should((helper.getNode('in') as any).status.lastCall.args[0]).match({ fill: 'yellow', text: /^failed p0@[123], commits held: The request included a message/ });
  });

  it('an undecodable record alone in its fetch: Catch nodes get its raw bytes, it counts as done, the next record comes', async () => {
    const name = uniqueTopic('nodes-undecodable');
    const groupId = uniqueTopic('g');
    const flow = [
      broker(),
      { id: 'raw', type: 'slipstream-topic-out', broker: 'broker', topic: name, codec: 'string' },
      { id: 'in', type: 'slipstream-topic-in', broker: 'broker', topic: name, groupId, start: 'committed', codec: 'json', wires: [['sink']] },
      { id: 'sink', type: 'helper' },
    ];
    await helper.load([topicNodes], onTab(flow));
    const errors = recorder(helper.getNode('errors'));
    const got = recorder(helper.getNode('sink'));
    const raw = helper.getNode('raw') as any;
    raw.receive({ payload: '{broken' });
    const [caught] = await received(errors, 1, 30_000);
    should(caught).match({ topic: name, partition: 0, offset: 0, error: { message: /Cannot decode record of Topic .* partition 0 offset 0/ } });
    should(Buffer.isBuffer(caught.payload) && caught.payload.toString()).equal('{broken');
    raw.receive({ payload: '{"fine":true}' });
    should((await received(got, 1, 30_000))[0].payload).eql({ fine: true });
    const admin = kafka().admin();
    await admin.connect();
    try {
      const committed = async (): Promise<string> => (await admin.fetchOffsets({ groupId, topics: [name] }))[0].partitions[0].offset;
      await waitFor(async () => (await committed()) === '2', 15_000, 'offset 2 to be committed', 200);
    } finally {
      await admin.disconnect();
    }
  });

  it('an empty or unset broker address: every user says so in its status, topic-out fails its messages, no client is made', async () => {
    delete process.env.SLIPSTREAM_TEST_UNSET_BROKERS;
    for (const brokers of ['', '${SLIPSTREAM_TEST_UNSET_BROKERS}']) {
      const flow = [
        { id: 'nobroker', type: 'slipstream-kafka', brokers, saslMechanism: 'none' },
        { id: 'in', type: 'slipstream-topic-in', broker: 'nobroker', topic: 'never', codec: 'string', wires: [['sink']] },
        { id: 'out', type: 'slipstream-topic-out', broker: 'nobroker', topic: 'never', codec: 'string' },
        { id: 'sink', type: 'helper' },
      ];
      await helper.load([topicNodes], onTab(flow));
      const expected = brokers === '' ? 'no broker address: set KAFKA_BROKERS or enter host:port' : 'no broker address: SLIPSTREAM_TEST_UNSET_BROKERS is not set (enter host:port or set it)';
      // The status has the start (statuses are cut to fit under a node), the error the whole text.
      for (const id of ['in', 'out']) should((helper.getNode(id) as any).status.lastCall.args[0]).eql({ fill: 'red', shape: 'ring', text: shortText(expected) });
      const errors = recorder(helper.getNode('errors'));
      (helper.getNode('out') as any).receive({ payload: 'lost?' });
      const [caught] = await received(errors, 1, 5_000);
      should(caught.error.message).endWith(`slipstream-topic-out: ${expected}`);
      should((helper.getNode('nobroker') as any).connection).be.a.Function(); // exists, but nobody called it
      await helper.unload();
    }
  });

  it('keeps SASL credentials out of the flow and in the credential store', async () => {
    const flow = [{ ...broker(), saslMechanism: 'scram-sha-256' }];
    await helper.load([topicNodes], onTab(flow), { broker: { username: 'alice', password: 'alice-secret' } });
    const node = helper.getNode('broker') as any;
    should(node.credentials).eql({ username: 'alice', password: 'alice-secret' });
    should(node.conf.sasl).match({ mechanism: 'scram-sha-256', username: 'alice' });
    const res = await helper.request().get('/flows').set('Accept', 'application/json');
    should(JSON.stringify(res.body)).not.containEql('alice-secret');
  });
});
