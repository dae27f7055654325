// The topic nodes' Topics over redeploys, and a topic name the broker refuses, on the real broker.
import v8 from 'node:v8';
import vm from 'node:vm';
import should from 'should';
import helper from 'node-red-node-test-helper';
import { Conf } from '../../lib';
import { brokers, createTopic, uniqueTopic } from '../support/kafka';
import type { Node } from 'node-red';
import { type Msg, onTab, type Receiver, recorder, statuses, waitFor } from './helpers';

const topicNodes = require('../../nodes/topic/topic');

helper.init(require.resolve('node-red'));

function broker(): Msg {
  return { id: 'broker', type: 'slipstream-kafka', brokers: brokers().join(','), clientId: 'node-test', saslMechanism: 'none' };
}

/** Open TCP sockets of this process (to the broker: the helper's server listens, it has none). */
function openSockets(): number {
  return process.getActiveResourcesInfo().filter((type) => type === 'TCPSocketWrap').length;
}

/** The heap in use after a full garbage collection (`gc` made reachable without --expose-gc on the command line). */
function heapAfterGc(): number {
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as () => void;
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('slipstream topic nodes over redeploys (real broker)', function () {
  this.timeout(300_000);
  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(() => helper.unload());

  it('50 redeploys leave no Topic registered with Conf, no socket open and no growing heap', async () => {
    const input = uniqueTopic('redeploy-in');
    const outputs = [uniqueTopic('redeploy-a'), uniqueTopic('redeploy-b'), uniqueTopic('redeploy-c')];
    for (const name of [input, ...outputs]) await createTopic(name);
    const flow = onTab([
      broker(),
      // One Topic per msg.topic in topic-out, one in topic-in.
      { id: 'out', type: 'slipstream-topic-out', broker: 'broker', topic: '', codec: 'string' },
      { id: 'in', type: 'slipstream-topic-in', broker: 'broker', topic: input, groupId: uniqueTopic('g'), start: 'committed', codec: 'string', wires: [['sink']] },
      { id: 'sink', type: 'helper' },
    ]);
    Conf.reset();

    /** One deploy: both nodes connect, a record goes through each Topic, then the flow stops. */
    async function deploy(): Promise<void> {
      await helper.load([topicNodes], flow);
      const inNode = helper.getNode('in') as any;
      const got = recorder(helper.getNode('sink'));
      await waitFor(() => statuses(inNode).some((s) => s.text === 'connected'), 30_000, 'topic-in connected');
      const out = helper.getNode('out') as any;
      for (const name of [...outputs, input]) out.receive({ topic: name, payload: 'x' });
      await waitFor(() => got.length > 0, 30_000, 'a record through topic-in');
      await helper.unload();
      // The helper's spy on the runtime's log keeps every call with its call stack, which
      // holds the flow's nodes: the test helper's own growth, not the nodes'.
      helper.log().resetHistory();
    }

    for (let i = 0; i < 10; i++) await deploy();
    const after10 = heapAfterGc();
    const sockets10 = openSockets();
    for (let i = 10; i < 50; i++) await deploy();
    const after50 = heapAfterGc();
    should(new Conf().exitHooks.size).equal(0);
    should(openSockets()).equal(sockets10);
    // Measured on this test: when every Topic stayed registered, the heap grew by about
    // 100 KB a deploy (4 MB from 10 to 50 deploys); now it grows by under 1 MB from 10 to
    // 50 (warm-up: compiled code, caches) and then stays within ±0.5 MB over 90 more.
    // 2 MB lies between the two.
    const growth = after50 - after10;
    should(growth).be.below(2e6);
  });

  it('topic-out and topic-in say why the broker refuses a topic name, in the status and the error', async () => {
    await helper.load(
      [topicNodes],
      onTab([
        broker(),
        { id: 'out', type: 'slipstream-topic-out', broker: 'broker', topic: 'bad topic!', codec: 'string' },
        { id: 'in', type: 'slipstream-topic-in', broker: 'broker', topic: 'bad topic!', groupId: uniqueTopic('g'), start: 'latest', codec: 'string' },
      ]),
    );
    const out = helper.getNode('out') as any;
    const inNode = helper.getNode('in') as any;
    const errors = recorder(helper.getNode('errors') as Receiver);
    out.receive({ payload: 'x', _msgid: 'bad' });
    const status = `topic "bad topic!": it contains " " and "!"; a topic name…`;
    const statusOf = (node: Node) => () => statuses(node).some((s) => s.fill === 'red' && s.text === status);
    await waitFor(statusOf(out), 30_000, 'the status of topic-out');
    await waitFor(statusOf(inNode), 30_000, 'the status of topic-in');
    await waitFor(() => errors.some((m) => m._msgid === 'bad'), 10_000, 'the error at the catch node');
    should(errors.find((m) => m._msgid === 'bad')!.error.message).endWith(
      'Error while producing to Topic bad topic!: Cannot create topic "bad topic!" (INVALID_TOPIC_EXCEPTION): ' +
        `it contains " " and "!"; a topic name may contain only ASCII letters, digits, '.', '_' and '-'`,
    );
  });
});
