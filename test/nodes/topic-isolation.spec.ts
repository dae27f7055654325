// topic-in's Isolation option on the real broker: records of an aborted
// transaction reach the flow only with "everything written".
import should from 'should';
import helper from 'node-red-node-test-helper';
import { brokers, createTopic, kafka, uniqueTopic } from '../support/kafka';
import { type Msg, onTab, type Receiver, received, recorder } from './helpers';

const topicNodes = require('../../nodes/topic/topic');

helper.init(require.resolve('node-red'));

function broker(): Msg {
  return { id: 'broker', type: 'slipstream-kafka', brokers: brokers().join(','), clientId: 'node-test', saslMechanism: 'none' };
}

/** An aborted transaction writing `aborted`, then a committed one writing `committed` (a kafkajs transactional producer). */
async function abortedThenCommitted(topic: string): Promise<void> {
  const producer = kafka().producer({ transactionalId: uniqueTopic('node-txn'), idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [{ value: 'aborted' }] });
    await aborted.abort();
    const committed = await producer.transaction();
    await committed.send({ topic, messages: [{ value: 'committed' }] });
    await committed.commit();
  } finally {
    await producer.disconnect();
  }
}

describe('slipstream-topic-in isolation (real broker)', function () {
  this.timeout(90_000);
  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(() => helper.unload());

  it('reads committed transactions only by default (a flow without the option), everything written with read_uncommitted', async () => {
    const name = uniqueTopic('nodes-isolation');
    await createTopic(name, 1);
    await abortedThenCommitted(name);
    const flow = [
      broker(),
      { id: 'committed', type: 'slipstream-topic-in', broker: 'broker', topic: name, groupId: uniqueTopic('g'), start: 'earliest', codec: 'string', wires: [['fromCommitted']] },
      { id: 'all', type: 'slipstream-topic-in', broker: 'broker', topic: name, groupId: uniqueTopic('g'), start: 'earliest', codec: 'string', isolation: 'read_uncommitted', wires: [['fromAll']] },
      { id: 'fromCommitted', type: 'helper' },
      { id: 'fromAll', type: 'helper' },
    ];
    await helper.load([topicNodes], onTab(flow));
    const fromCommitted = recorder(helper.getNode('fromCommitted') as Receiver);
    const fromAll = recorder(helper.getNode('fromAll') as Receiver);
    should((await received(fromAll, 2, 60_000)).map((m) => m.payload)).eql(['aborted', 'committed']);
    should((await received(fromCommitted, 1, 60_000)).map((m) => m.payload)).eql(['committed']);
    should(fromCommitted).have.length(1);
  });

  it('refuses an isolation it does not know, naming it', async () => {
    const flow = [broker(), { id: 'in', type: 'slipstream-topic-in', broker: 'broker', topic: 'never', codec: 'string', isolation: 'dirty' }];
    await helper.load([topicNodes], onTab(flow));
    const inNode = helper.getNode('in') as any;
    should(inNode.status.lastCall.args[0]).match({ fill: 'red', text: 'invalid isolation' });
    should(String(inNode.error.firstCall.args[0])).equal('slipstream-topic-in: isolation must be one of read_committed, read_uncommitted, got: "dirty"');
  });
});
