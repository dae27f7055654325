import should from 'should';
import helper from 'node-red-node-test-helper';
import { FaultBroker } from '../support/fault-broker';
import { uniqueTopic } from '../support/kafka';
import { figures, lastTotals, OUTAGE_MS, produceInputs, readOutputs, RECORDS } from '../support/outage';
import { sleep, waitFor } from '../support/wait';
import { lastStatus, onTab, recorder, removeTempDirs, statuses, storeNode, tempDir } from './helpers';

const topicNodes = require('../../nodes/topic/topic');
const cacheNodes = require('../../nodes/cache/cache');
const catchNode = require('@node-red/nodes/core/common/25-catch.js');

helper.init(require.resolve('node-red'));

// A broker of its own (KAFKA_PORT + 400), killed with SIGKILL mid-stream and restarted.
// SLIPSTREAM_OUTAGE_SECONDS=60 (and SLIPSTREAM_OUTAGE_RECORDS) measure a longer outage.
describe('a Node-RED flow across a broker kill -9 and restart', function () {
  this.timeout(OUTAGE_MS + 160_000);
  const broker = new FaultBroker(400, 'outage-nodes');
  before(async () => {
    await broker.start();
    await helper.startServer();
  });
  afterEach(() => helper.unload());
  after(async () => {
    await helper.stopServer();
    await broker.stop();
    removeTempDirs();
  });

  it('topic-in → cache update → topic-out rides out the outage, says so in its status, and loses nothing', async () => {
    const [inName, outName] = [uniqueTopic('outage-in'), uniqueTopic('outage-out')];
    await broker.createTopics(6, inName, outName);
    await produceInputs(broker.client(), inName);
    const flow = onTab([
      { id: 'broker', type: 'slipstream-kafka', brokers: broker.brokers, saslMechanism: 'none', connectionTimeout: '1000' },
      storeNode('store', tempDir()),
      { id: 'in', type: 'slipstream-topic-in', broker: 'broker', topic: inName, groupId: `${inName}-g`, start: 'committed', codec: 'json', maxInFlight: '10', wires: [['total', 'seen']] },
      {
        id: 'total',
        type: 'slipstream-cache',
        store: 'store',
        operation: 'update',
        func: 'return { id: msg.payload.id, total: (oldValue?.total ?? 0) + msg.payload.amount };',
        wires: [['out']],
      },
      { id: 'seen', type: 'helper' },
      { id: 'out', type: 'slipstream-topic-out', broker: 'broker', topic: outName, codec: 'json' },
    ]);
    await helper.load([topicNodes, cacheNodes, catchNode], flow);
    const seen = recorder(helper.getNode('seen'));
    const errors = recorder(helper.getNode('errors'));
    const out = helper.getNode('out');

    await waitFor(() => seen.length >= RECORDS / 3, 60_000, 'a third of the records to reach the flow');
    await broker.kill();
    const killedAt = seen.length;
    await sleep(OUTAGE_MS);
    await broker.start();

    const outputs = await readOutputs(broker.client(), outName, 120_000);
    await waitFor(() => lastStatus(out)?.fill === 'green', 30_000, 'topic-out to show "connected" again');
    const result = figures(outputs, lastTotals(outputs));
    console.log(`      Node-RED, broker killed after ${killedAt} records for ${OUTAGE_MS / 1000} s: ${JSON.stringify(result)}`);
    should(errors.map((e) => e.error?.message)).eql([]);
    should(result).match({ lost: 0, keysShort: 0 });
    // Before the outage: "connecting" (the broker's connection, shown before the first send), then green.
    const shown = statuses(out);
    should(shown[0]).match({ fill: 'yellow', text: 'connecting' });
    const retrying = shown.slice(1).filter((s) => s.fill === 'yellow');
    should(retrying.length).be.above(0);
    for (const s of retrying) should(s.text).match(/^broker unreachable, retrying \d+ s$/);
    // Brought up to date as time passes, not once per record.
    should(retrying.length).be.below(OUTAGE_MS / 1_000);
  });

  it('fails a message whose delivery timeout ran out: red status, and the error reaches Catch nodes with the message', async () => {
    await broker.kill();
    await helper.load(
      [topicNodes, catchNode],
      onTab([
        { id: 'broker', type: 'slipstream-kafka', brokers: broker.brokers, saslMechanism: 'none', connectionTimeout: '1000' },
        { id: 'out', type: 'slipstream-topic-out', broker: 'broker', topic: uniqueTopic('never'), codec: 'json', deliveryTimeout: '25' }, // a first attempt alone can take ~10-20 s (kafkajs's own retries)
      ]),
    );
    const errors = recorder(helper.getNode('errors'));
    const out = helper.getNode('out');
    out.receive({ payload: { n: 1 }, key: 'k' } as never);
    await waitFor(() => errors.length > 0, 60_000, 'the error at the Catch node');
    should(errors[0].payload).eql({ n: 1 });
    should(errors[0].error.message).match(/^Error: Error while producing to Topic never\S*: not acknowledged within the delivery timeout \(deliveryTimeout 25000 ms/);
    should(statuses(out).map((s) => s.fill)).containEql('yellow');
    should(lastStatus(out)).match({ fill: 'red', text: 'not delivered within 25 s: broker unreachable' });
  });

  it('says so when the delivery timeout is not a positive number of seconds', async () => {
    await helper.load(
      [topicNodes, catchNode],
      onTab([
        { id: 'broker', type: 'slipstream-kafka', brokers: broker.brokers, saslMechanism: 'none' },
        { id: 'out', type: 'slipstream-topic-out', broker: 'broker', topic: 'x', codec: 'json', deliveryTimeout: 'soon' },
      ]),
    );
    should(lastStatus(helper.getNode('out'))).match({ fill: 'red', text: 'invalid delivery timeout' });
  });
});
