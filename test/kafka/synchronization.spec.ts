import should from 'should';
import { Conf, MemoryCache } from '../../lib';
import { Checkpoint, Dependency } from '../../lib/checkpoint';
import { Topic } from '../../lib/topic';
import { main } from '../../examples-lib/synchronization';
import { brokers, uniqueTopic } from '../support/kafka';

const at = (hhmm: string): Date => new Date(`2025-01-01T${hhmm}:00Z`);

describe("Checkpoint: the seed's Synchronization cookbook on the real broker", function () {
  this.timeout(120_000);
  beforeEach(() => Conf.reset());
  afterEach(() => Conf.reset());

  it('pauses the activity topic while the weather is down and reprocesses the stale activity after recovery', async () => {
    const cache = new MemoryCache();
    const printed: string[] = [];
    const lines = await main({ brokers: brokers(), topic: uniqueTopic('activity'), cache, print: (line) => printed.push(line) });
    should(lines).eql(['swimming 🌞', 'walking home ⛅', 'shopping ⛅ (weather 75 min behind)', 'shopping 🌦️', 'lunch 🌧']);
    should(printed).eql(lines);
    // The checkpoint ends up level: weather up, its checkpoint taken at the recovering heartbeat.
    should(await cache.get('_activity_state')).eql({ 0: 3 });
    should(await cache.get('_activity_state_marker')).eql(at('13:00'));
    should(await cache.get('_activity_weather_checkpoint_marker')).eql(at('12:50'));
    should(await cache.get('_activity_weather_checkpoint_state')).eql({ 0: 2 });
    should(await cache.get('_activity_weather_downtime')).be.null();
  });

  it('pauses and resumes the consumer of a Topic dependent that is not registered with Conf', async () => {
    const name = uniqueTopic('direct');
    const topic = new Topic(name, { brokers: brokers(), groupId: uniqueTopic('direct-group'), fromBeginning: true });
    try {
      await topic(null, 'first');
      should((await topic.next()).value).match({ value: 'first' }); // starts the consumer
      const consumer = await topic.getConsumer();
      async function* weather(): AsyncGenerator<Date> {}
      const c = new Checkpoint('direct', { dependent: topic, dependencies: [new Dependency('weather', weather())] });
      await c.checkPulse(at('10:00'));
      should(await c.checkPulse(at('11:00'))).equal(3_600_000);
      should(consumer.paused()).eql([{ topic: name, partitions: [0] }]);
      should((await c.heartbeat(at('11:01'))).isLate).be.false();
      should(consumer.paused()).eql([]);
    } finally {
      await topic.exitHook();
    }
  });
});
