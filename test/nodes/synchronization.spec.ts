import should from 'should';
import helper from 'node-red-node-test-helper';
import { brokers, createTopic, kafka, uniqueTopic } from '../support/kafka';
import { lastStatus, type Msg, onTab, received, recorder, removeTempDirs, sleep, storeNode, tempDir, waitFor } from './helpers';

const topicNodes = require('../../nodes/topic/topic');
const handleNodes = require('../../nodes/handle/handle');
const cacheNodes = require('../../nodes/cache/cache');
const checkpointNodes = require('../../nodes/checkpoint/checkpoint');
const linkNodes = require('@node-red/nodes/core/common/60-link.js');
const catchNode = require('@node-red/nodes/core/common/25-catch.js');

helper.init(require.resolve('node-red'));

const at = (hhmm: string): number => Date.parse(`2025-01-01T${hhmm}:00Z`);

/**
 * The seed's Synchronization cookbook as a flow on the real broker (the same
 * day as examples-lib/synchronization.ts): activities are joined with the
 * newest weather at or before them. The weather station goes silent after
 * ⛅ 11:00; "shopping" at 12:15 finds the weather 75 minutes behind (the
 * threshold is one hour), so the checkpoint pauses the activity topic over the
 * link wires. "lunch" waits in the paused topic. The station comes back with
 * 🌦️ 12:10 (still late) and 🌧 12:50 (caught up): the checkpoint seeks the
 * activity topic back to "shopping" and resumes it, so shopping is joined
 * again with 🌦️, and lunch with 🌧.
 *
 *   weather-in → put (weather by time) → mark (msg.dependency) ┐
 *   activity-in ───────────────────────────────────────────────┴→ checkpoint → join → joined
 *        ↑                                         control output → link out ┘
 *        └──────────────────────────────── link in ←──────────────┘
 */
describe('Synchronization cookbook (real broker, full flow)', function () {
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
    // One message in flight per topic: the checkpoint must see each stream in
    // event-time order, and async nodes (the cache put) may reorder messages.
    const topicIn = (id: string, topic: string, wires: string[]): Msg => ({
      id,
      type: 'slipstream-topic-in',
      broker: 'broker',
      topic,
      groupId: uniqueTopic('g'),
      start: 'earliest',
      codec: 'string',
      maxInFlight: '1',
      wires: [wires],
    });
    const join = [
      'const downtime = msg.checkpoint.downtime;',
      'for await (const [, sky] of caches.weather.items({ fromKey: msg.timestamp, backwards: true, limit: 1 })) {',
      '  yield downtime ? `${msg.payload} ${sky} (weather ${downtime / 60000} min behind)` : `${msg.payload} ${sky}`;',
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
          dependencies: [{ name: 'weather', threshold: 1, unit: 'h' }],
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
    const activityIn = helper.getNode('activity-in');
    const checkpoint = helper.getNode('cp');
    const producer = kafka().producer();
    await producer.connect();
    const produce = (topic: string, value: string, time: string): Promise<unknown> =>
      producer.send({ topic, messages: [{ value, timestamp: String(at(time)) }] });
    const lines = (): string[] => joined.map((m) => m.payload);
    try {
      await produce(weather, '🌞', '10:00');
      await produce(weather, '⛅', '11:00');
      await received(heartbeats, 2, 30_000);
      // The station is silent from here on, the day goes on.
      await produce(activity, 'swimming', '10:00');
      await received(joined, 1, 30_000);
      await produce(activity, 'walking home', '11:00');
      await received(joined, 2, 30_000);
      await produce(activity, 'shopping', '12:15');
      await received(joined, 3, 30_000);
      should(lines()).eql(['swimming 🌞', 'walking home ⛅', 'shopping ⛅ (weather 75 min behind)']);
      should(control.map((m) => m.action)).eql(['pause']);
      should(lastStatus(checkpoint)).match({ fill: 'yellow', text: 'weather down for 1 h 15 min' });
      await waitFor(() => lastStatus(activityIn)?.text === 'paused', 30_000);

      // Lunch waits in the paused topic.
      await produce(activity, 'lunch', '13:00');
      await sleep(1_500);
      should(joined).have.length(3);

      await produce(weather, '🌦️', '12:10');
      await received(heartbeats, 3, 30_000);
      should(heartbeats[2].payload).match({ isLate: true });
      should(control.map((m) => m.action)).eql(['pause']);

      // Caught up: seek back to shopping (offset 2), resume.
      await produce(weather, '🌧', '12:50');
      await received(joined, 5, 30_000);
      should(heartbeats[3].payload).match({ isLate: false });
      should(lines()).eql([
        'swimming 🌞',
        'walking home ⛅',
        'shopping ⛅ (weather 75 min behind)',
        'shopping 🌦️',
        'lunch 🌧',
      ]);
      should(joined.map((m) => m.offset)).eql([0, 1, 2, 2, 3]);
      should(control.map(({ action, offset }) => ({ action, offset }))).eql([
        { action: 'pause', offset: undefined },
        { action: 'seek', offset: { 0: 2 } },
        { action: 'resume', offset: undefined },
      ]);
      should(lastStatus(checkpoint)).match({ fill: 'green', text: 'all dependencies up' });
      await sleep(500);
      should(joined).have.length(5); // nothing else comes again
      should(errors).eql([]);
    } finally {
      await producer.disconnect();
    }
  });
});
