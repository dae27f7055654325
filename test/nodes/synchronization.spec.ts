import should from 'should';
import helper from 'node-red-node-test-helper';
import { brokers, createTopic, kafka, uniqueTopic } from '../support/kafka';
import { type Msg, onTab, received, recorder, removeTempDirs, storeNode, tempDir, waitFor } from './helpers';

const topicNodes = require('../../nodes/topic/topic');
const handleNodes = require('../../nodes/handle/handle');
const cacheNodes = require('../../nodes/cache/cache');
const checkpointNodes = require('../../nodes/checkpoint/checkpoint');
const linkNodes = require('@node-red/nodes/core/common/60-link.js');
const catchNode = require('@node-red/nodes/core/common/25-catch.js');

helper.init(require.resolve('node-red'));

const at = (hour: number, minute = 0): number => Date.UTC(2025, 0, 1, hour, minute);

/**
 * The Synchronization scenario as a flow on the real broker: activities are
 * joined with the newest weather at or before them; while the weather stream
 * is down the activity topic is paused, and on recovery it seeks back so the
 * activity processed with stale weather is processed again.
 *
 *   weather-in → put (weather by time) → mark (msg.dependency) ┐
 *   activity-in ───────────────────────────────────────────────┴→ checkpoint → join → joined
 *        ↑                                         control output → link out ┘
 *        └──────────────────────────────── link in ←──────────────┘
 */
describe('Synchronization scenario (real broker, full flow)', function () {
  this.timeout(90_000);
  before(() => helper.startServer());
  after(() => helper.stopServer());
  afterEach(async () => {
    await helper.unload();
    removeTempDirs();
  });

  it('pauses the activities while the weather is down and reprocesses "shopping" with 🌦️', async () => {
    const weather = uniqueTopic('weather');
    const activity = uniqueTopic('activity');
    await Promise.all([createTopic(weather), createTopic(activity)]);
    const topicIn = (id: string, topic: string, wires: string[]): Msg => ({
      id,
      type: 'slipstream-topic-in',
      broker: 'broker',
      topic,
      groupId: uniqueTopic('g'),
      start: 'earliest',
      codec: 'string',
      maxInFlight: '10',
      wires: [wires],
    });
    const join = [
      'for await (const [, sky] of caches.weather.items({ fromKey: msg.timestamp, backwards: true, limit: 1 })) {',
      '  yield `${msg.payload} ${sky}`;',
      '}',
    ].join('\n');
    await helper.load(
      [topicNodes, handleNodes, cacheNodes, checkpointNodes, linkNodes, catchNode],
      onTab([
        { id: 'broker', type: 'slipstream-kafka', brokers: brokers().join(','), clientId: 'sync-test', saslMechanism: 'none' },
        storeNode('store', tempDir()),
        topicIn('weather-in', weather, ['put']),
        { id: 'put', type: 'slipstream-cache', store: 'store', operation: 'put', key: 'timestamp', keyType: 'msg', wires: [['mark']] },
        { id: 'mark', type: 'slipstream-handle', func: 'msg.dependency = "weather";\nreturn msg.payload;', wires: [['cp']] },
        topicIn('activity-in', activity, ['cp']),
        {
          id: 'cp',
          type: 'slipstream-checkpoint',
          dependencies: [{ name: 'weather', threshold: 10, unit: 'min' }],
          reprocess: true,
          wires: [['join'], ['heartbeats'], ['control', 'ctl-out']],
        },
        { id: 'join', type: 'slipstream-handle', func: join, stores: [{ name: 'weather', store: 'store' }], wires: [['joined']] },
        { id: 'ctl-out', type: 'link out', mode: 'link', links: ['ctl-in'], wires: [] },
        { id: 'ctl-in', type: 'link in', links: ['ctl-out'], wires: [['activity-in']] },
        { id: 'joined', type: 'helper' },
        { id: 'heartbeats', type: 'helper' },
        { id: 'control', type: 'helper' },
      ]),
    );
    const joined = recorder(helper.getNode('joined'));
    const heartbeats = recorder(helper.getNode('heartbeats'));
    const control = recorder(helper.getNode('control'));
    const errors = recorder(helper.getNode('errors'));
    const producer = kafka().producer();
    await producer.connect();
    const produce = (topic: string, value: string, time: number): Promise<unknown> =>
      producer.send({ topic, messages: [{ value, timestamp: String(time) }] });
    try {
      await produce(weather, '☀️', at(10));
      await received(heartbeats, 1, 30_000);
      await produce(activity, 'swimming', at(10, 5));
      await received(joined, 1, 30_000);
      await produce(weather, '☀️', at(10, 30));
      await received(heartbeats, 2, 30_000);
      // The weather stream lags: shopping at 11:00 finds only the 10:30 weather.
      await produce(activity, 'shopping', at(11));
      await received(joined, 2, 30_000);
      await waitFor(() => control.length === 1);
      should(control[0].action).equal('pause');
      await produce(weather, '🌦️', at(10, 55));
      await received(heartbeats, 3, 30_000);
      should(heartbeats[2].payload.isLate).be.true();
      // 11:01: caught up → seek back to swimming's offset, resume: both activities come again.
      await produce(weather, '🌦️', at(11, 1));
      await received(joined, 4, 30_000);
      should(joined.map((m) => m.payload)).eql(['swimming ☀️', 'shopping ☀️', 'swimming ☀️', 'shopping 🌦️']);
      should(control.map(({ action, offset }) => ({ action, offset }))).eql([
        { action: 'pause', offset: undefined },
        { action: 'seek', offset: { 0: 0 } },
        { action: 'resume', offset: undefined },
      ]);
      should(errors).eql([]);
    } finally {
      await producer.disconnect();
    }
  });
});
