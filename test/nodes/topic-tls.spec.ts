import should from 'should';
import helper from 'node-red-node-test-helper';
import { tlsBroker, uniqueTopic } from '../support/kafka';
import { lastStatus, type Msg, onTab, received, recorder, waitFor } from './helpers';

const topicNodes = require('../../nodes/topic/topic');
const tlsNode = require('@node-red/nodes/core/network/05-tls.js');

helper.init(require.resolve('node-red'));

/** A core tls-config node; `ca` is a file path, as in its editor dialog. */
function tlsConfig(ca: string): Msg {
  return { id: 'tls', type: 'tls-config', cert: '', key: '', ca, verifyservercert: true };
}

describe('slipstream-kafka with TLS through a core tls-config node (real broker)', function () {
  this.timeout(60_000);
  const tls = tlsBroker();
  before(function () {
    // npm test always starts the broker with the TLS listener; only a hand-run single file may lack it.
    if (!tls) this.skip();
    return helper.startServer();
  });
  after(function () {
    if (tls) return helper.stopServer(); // skipped: never started here
  });
  afterEach(() => helper.unload());

  const flow = (ca: string, topic: string): Msg[] => [
    tlsConfig(ca),
    { id: 'broker', type: 'slipstream-kafka', brokers: tls!.brokers.join(','), clientId: 'tls-test', usetls: true, tls: 'tls', saslMechanism: 'none', connectionTimeout: 1000 },
    { id: 'out', type: 'slipstream-topic-out', broker: 'broker', topic, codec: 'string' },
    { id: 'in', type: 'slipstream-topic-in', broker: 'broker', topic, groupId: uniqueTopic('g'), start: 'earliest', codec: 'string', wires: [['sink']] },
    { id: 'sink', type: 'helper' },
  ];

  it('produces and consumes when the tls-config node trusts the broker CA', async () => {
    await helper.load([topicNodes, tlsNode], onTab(flow(tls!.ca, uniqueTopic('tls-nodes'))));
    const sink = recorder(helper.getNode('sink'));
    helper.getNode('out').receive({ payload: 'sealed', key: 'k' } as never);
    const [msg] = await received(sink, 1, 30_000);
    should(msg).match({ payload: 'sealed', key: 'k' });
    should(lastStatus(helper.getNode('in'))).match({ fill: 'green' });
  });

  it('without the CA: a red status naming the certificate problem, and the message goes to Catch', async () => {
    await helper.load([topicNodes, tlsNode], onTab(flow('', uniqueTopic('tls-untrusted'))));
    const errors = recorder(helper.getNode('errors'));
    await waitFor(() => /self-signed certificate/.test(String(lastStatus(helper.getNode('in'))?.text)), 40_000);
    should(lastStatus(helper.getNode('in'))).match({ fill: 'red' });
    helper.getNode('out').receive({ payload: 'lost?', _msgid: 'untrusted' } as never);
    await waitFor(() => errors.length > 0, 40_000);
    should(errors[0]).match({ _msgid: 'untrusted', payload: 'lost?', error: { message: /self-signed certificate/ } });
  });
});
