import should from 'should';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import helper from 'node-red-node-test-helper';
import { waitFor } from '../support/wait';

const topicNodes = require('../../nodes/topic/topic');

helper.init(require.resolve('node-red'));

// A broker of its own (port 19292, own state), so stopping it disturbs no other suite.
const root = path.resolve(__dirname, '..', '..', '..');
const env: NodeJS.ProcessEnv = { ...process.env, KAFKA_PORT: '19292', SLIPSTREAM_KAFKA_STATE: path.join(root, '.kafka', 'restart-test') };
delete env.KAFKA_BROKERS;

function kafka(command: 'start' | 'stop'): string {
  const run = spawnSync(process.execPath, [path.join(root, 'scripts', 'kafka'), command], { env, encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`scripts/kafka ${command} failed: ${run.stderr}`);
  return run.stdout.trim().split('\n').pop() ?? '';
}

describe('slipstream topic nodes across a broker restart', function () {
  this.timeout(180_000);
  let brokers = '';
  before(async () => {
    brokers = kafka('start');
    await helper.startServer();
  });
  after(async () => {
    await helper.stopServer();
    kafka('stop');
  });
  afterEach(() => helper.unload());

  it('shows the outage in the status and goes on without a redeploy', async () => {
    const name = `restart-${Date.now().toString(36)}`;
    const flow = [
      { id: 'tab', type: 'tab' },
      { id: 'broker', type: 'slipstream-kafka', brokers, saslMechanism: 'none', connectionTimeout: '1000' },
      { id: 'out', z: 'tab', x: 0, y: 0, wires: [], type: 'slipstream-topic-out', broker: 'broker', topic: name, codec: 'string' },
      { id: 'in', z: 'tab', x: 0, y: 0, type: 'slipstream-topic-in', broker: 'broker', topic: name, groupId: `${name}-g`, start: 'committed', codec: 'string', wires: [['sink']] },
      { id: 'sink', z: 'tab', x: 0, y: 0, wires: [], type: 'helper' },
    ];
    await helper.load([topicNodes], flow);
    const inNode = helper.getNode('in') as any;
    const out = helper.getNode('out') as any;
    const seen: string[] = [];
    helper.getNode('sink').on('input', (msg: { payload: string }) => seen.push(msg.payload));
    const lastStatus = (): { fill?: string; text?: string } => inNode.status.lastCall?.args[0] ?? {};

    out.receive({ payload: 'before' });
    await waitFor(() => seen.includes('before'), 30_000);
    should(lastStatus()).match({ fill: 'green', text: 'connected' });

    kafka('stop');
    await waitFor(() => lastStatus().fill !== 'green', 60_000);
    should(['yellow', 'red']).containEql(lastStatus().fill);

    kafka('start');
    // The producer may still be reconnecting: send again until one got through (duplicates are fine).
    const deadline = Date.now() + 90_000;
    while (!seen.includes('after')) {
      if (Date.now() > deadline) throw new Error('no message got through after the restart');
      out.receive({ payload: 'after' });
      await waitFor(() => seen.includes('after'), 5_000).catch(() => undefined);
    }
    await waitFor(() => lastStatus().fill === 'green', 30_000);
  });
});
