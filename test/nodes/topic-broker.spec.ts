// The broker config node owns the connection as core 10-mqtt's broker does:
// its state on every user, kept across redeploys that leave it unchanged,
// closed with its last user. On the real broker.
import should from 'should';
import helper from 'node-red-node-test-helper';
import type { KafkaConnection } from '../../lib/topic';
import { brokers, createTopic, uniqueTopic } from '../support/kafka';
import { type Msg, onTab, type Receiver, received, recorder, statuses, waitFor } from './helpers';

const topicNodes = require('../../nodes/topic/topic');

helper.init(require.resolve('node-red'));

interface BrokerNode {
  connection(): KafkaConnection;
}

function broker(address = brokers().join(',')): Msg {
  return { id: 'broker', type: 'slipstream-kafka', brokers: address, clientId: 'node-test', saslMechanism: 'none' };
}

const connectionOf = (): KafkaConnection => (helper.getNode('broker') as unknown as BrokerNode).connection();

/** Whether `connection` was closed (a closed connection refuses to start clients). */
async function isClosed(connection: KafkaConnection): Promise<boolean> {
  return connection.admin().then(
    () => false,
    (err: Error) => /closed/.test(err.message),
  );
}

describe('slipstream-kafka owns the connection (real broker)', function () {
  this.timeout(120_000);
  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(() => helper.unload());

  it('topic-out shows "connected" before its first message, and the error when the broker cannot be reached', async () => {
    await helper.load([topicNodes], onTab([broker(), { id: 'out', type: 'slipstream-topic-out', broker: 'broker', topic: uniqueTopic('never-sent'), codec: 'string' }]));
    const out = helper.getNode('out');
    await waitFor(() => statuses(out).some((s) => s.text === 'connected'), 30_000, 'topic-out connected');
    should(statuses(out)[0]).eql({ fill: 'yellow', shape: 'ring', text: 'connecting' });
    should(statuses(out).at(-1)).eql({ fill: 'green', shape: 'dot', text: 'connected' });
    await helper.unload();

    await helper.load([topicNodes], onTab([broker('127.0.0.1:1'), { id: 'out', type: 'slipstream-topic-out', broker: 'broker', topic: 'never', codec: 'string' }]));
    const unreachable = helper.getNode('out');
    await waitFor(() => statuses(unreachable).some((s) => s.fill === 'red'), 60_000, 'topic-out shows the failure');
    should(statuses(unreachable).find((s) => s.fill === 'red')).eql({ fill: 'red', shape: 'ring', text: 'broker unreachable' });
  });

  for (const type of ['nodes', 'flows'] as const) {
    it(`a "${type}" redeploy that restarts every topic node keeps the broker's connection (the same client, no reconnect)`, async () => {
      const name = uniqueTopic(`redeploy-${type}`);
      await createTopic(name);
      const topicIn = { id: 'in', type: 'slipstream-topic-in', broker: 'broker', topic: name, groupId: uniqueTopic('g'), start: 'committed', codec: 'string', maxInFlight: '10', wires: [['sink']] };
      const flow = (maxInFlight: string): Msg[] =>
        onTab([
          broker(),
          { id: 'out', type: 'slipstream-topic-out', name: `out ${maxInFlight}`, broker: 'broker', topic: name, codec: 'string' },
          { ...topicIn, maxInFlight },
          { id: 'sink', type: 'helper' },
        ]);
      await helper.load([topicNodes], flow('10'));
      await waitFor(() => statuses(helper.getNode('out')).some((s) => s.text === 'connected'), 30_000, 'topic-out connected');
      const brokerNode = helper.getNode('broker');
      const connection = connectionOf();
      const admin = await connection.admin();

      await helper.setFlows(flow('20'), type);
      const inNode = helper.getNode('in');
      should(helper.getNode('out').name).equal('out 20'); // both users were restarted
      should(helper.getNode('broker')).equal(brokerNode); // the config node was not
      should(connectionOf()).equal(connection);
      should(await connection.admin()).equal(admin);
      // The restarted nodes produce and consume through it.
      const got = recorder(helper.getNode('sink'));
      await waitFor(() => statuses(inNode).some((s) => s.text === 'connected'), 30_000, 'restarted topic-in connected');
      (helper.getNode('out') as unknown as Receiver).receive({ payload: 'after redeploy' } as never);
      should((await received(got, 1, 30_000))[0].payload).equal('after redeploy');
      should(await isClosed(connection)).be.false();
    });
  }

  it('a full deploy restarts the config node: the old connection is closed, the users get a new one', async () => {
    const flow = onTab([broker(), { id: 'out', type: 'slipstream-topic-out', broker: 'broker', topic: uniqueTopic('full'), codec: 'string' }]);
    await helper.load([topicNodes], flow);
    await waitFor(() => statuses(helper.getNode('out')).some((s) => s.text === 'connected'), 30_000, 'topic-out connected');
    const connection = connectionOf();
    await helper.setFlows(flow, 'full');
    should(await isClosed(connection)).be.true();
    await waitFor(() => statuses(helper.getNode('out')).some((s) => s.text === 'connected'), 30_000, 'topic-out connected again');
    should(connectionOf()).not.equal(connection);
  });

  it('a user that a redeploy moved to another broker node leaves the old connection unused: it closes once the deploy has started', async () => {
    const name = uniqueTopic('moved');
    const other: Msg = { ...broker(), id: 'other' };
    const out = (brokerId: string): Msg => ({ id: 'out', type: 'slipstream-topic-out', broker: brokerId, topic: name, codec: 'string' });
    await helper.load([topicNodes], onTab([broker(), other, out('broker')]));
    await waitFor(() => statuses(helper.getNode('out')).some((s) => s.text === 'connected'), 30_000, 'topic-out connected');
    const connection = connectionOf();
    await helper.setFlows(onTab([broker(), other, out('other')]), 'nodes');
    await waitFor(() => isClosed(connection), 10_000, 'the connection nobody uses any more to close', 100);
    should(helper.getNode('broker')).be.ok(); // the config node itself still runs
  });

  it('removing the last user closes the connection; removing one user while another restarts does not', async () => {
    const name = uniqueTopic('remove');
    const out = (id: string, codec = 'string'): Msg => ({ id, type: 'slipstream-topic-out', broker: 'broker', topic: name, codec });
    await helper.load([topicNodes], onTab([broker(), out('out1'), out('out2')]));
    await waitFor(() => ['out1', 'out2'].every((id) => statuses(helper.getNode(id)).some((s) => s.text === 'connected')), 30_000, 'both connected');
    const connection = connectionOf();

    // out2 removed and out1 changed (restarted) in one deploy: out1 comes back to the same connection.
    await helper.setFlows(onTab([broker(), out('out1', 'json')]), 'nodes');
    should(await isClosed(connection)).be.false();
    should(connectionOf()).equal(connection);
    await helper.setFlows(onTab([broker()]), 'nodes');
    should(await isClosed(connection)).be.true();
  });
});
