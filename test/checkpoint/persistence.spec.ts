import should from 'should';
import { deserialize, serialize } from 'node:v8';
import { Conf, ICache, type Key, MemoryCache, Signal } from '../../lib';
import { Checkpoint, Dependency } from '../../lib/checkpoint';
import { at, emoji, recorder, register } from './helpers';

/** A cache that keeps serialized copies (as the RocksDB Cache does), so nothing survives by reference. */
class SerializingCache extends ICache {
  readonly entries = new Map<string, Buffer>();
  async get(key: Key, defaultValue?: unknown): Promise<unknown> {
    const stored = this.entries.get(String(key));
    return stored ? deserialize(stored) : defaultValue;
  }
  async put(key: Key, value: unknown): Promise<void> {
    this.entries.set(String(key), serialize(value));
  }
  async delete(key: Key): Promise<void> {
    this.entries.delete(String(key));
  }
  async has(key: Key): Promise<boolean> {
    return this.entries.has(String(key));
  }
}

const caches: Array<[string, () => ICache]> = [
  ['MemoryCache', () => new MemoryCache()],
  ['a serializing ICache', () => new SerializingCache()],
];

for (const [label, makeCache] of caches) {
  describe(`Checkpoint persistence in ${label}`, () => {
    beforeEach(() => Conf.reset());
    after(() => Conf.reset());

    function checkpoint(cache: ICache, options: { name?: string; prefix?: string } = {}) {
      const recoveryCallback = recorder();
      const downtimeCallback = recorder();
      const dependent = emoji();
      const c = new Checkpoint(options.name ?? 'activity', {
        dependent,
        dependencies: [new Dependency('weather', emoji())],
        cache,
        cacheKeyPrefix: options.prefix,
        downtimeCallback,
        recoveryCallback,
      });
      return { c, dependent, downtimeCallback, recoveryCallback };
    }

    /** The docstring scenario up to the downtime: pulse 10:00, heartbeat 10:30, pulse 11:00. */
    async function goDown(c: Checkpoint): Promise<void> {
      await c.checkPulse(at(10), { 0: 8 });
      await c.heartbeat(at(10, 30));
      should(await c.checkPulse(at(11), { 0: 9 })).equal(1_800_000);
    }

    it('stores state, markers and down status under the documented keys', async () => {
      const cache = makeCache();
      await goDown(checkpoint(cache).c);
      should(await cache.get('_activity_state')).eql({ 0: 9 });
      should(await cache.get('_activity_state_marker')).eql(at(11));
      should(await cache.get('_activity_weather_checkpoint_state')).eql({ 0: 8 });
      should(await cache.get('_activity_weather_checkpoint_marker')).eql(at(10, 30));
      should(await cache.get('_activity_weather_downtime')).equal(1_800_000);
    });

    it('lets a new checkpoint with the same name and cache continue where the old one stopped', async () => {
      const cache = makeCache();
      await goDown(checkpoint(cache).c);

      Conf.reset();
      const restarted = checkpoint(cache);
      const stream = register(restarted.dependent);
      await restarted.c.ready();
      should(restarted.c.state).eql({ 0: 9 });
      should(restarted.c.stateMarker).eql(at(11));
      const weather = restarted.c.get('weather');
      should(weather.checkpointMarker).eql(at(10, 30));
      should(weather.checkpointState).eql({ 0: 8 });
      should(weather.isDown).be.true();

      should(await restarted.c.heartbeat(at(10, 45))).eql({ isLate: true, dependentMarker: at(11), dependencyMarker: at(10, 45) });
      should(await restarted.c.heartbeat(at(11, 1))).eql({ isLate: false, dependentMarker: at(11), dependencyMarker: at(11, 1) });
      should(restarted.recoveryCallback.calls).have.length(1);
      should(stream.signal).equal(Signal.RESUME);
      should(await cache.get('_activity_weather_downtime')).be.null();
      should(await cache.get('_activity_weather_checkpoint_state')).eql({ 0: 9 });
    });

    it('restores lazily before the first call when ready() was not awaited', async () => {
      const cache = makeCache();
      await goDown(checkpoint(cache).c);
      const restarted = checkpoint(cache);
      should((await restarted.c.heartbeat(at(10, 45))).isLate).be.true();
      should(restarted.c.stateMarker).eql(at(11));
    });

    it('pauses the dependent again on the first pulse after restoring a down dependency, without a second downtime callback', async () => {
      const cache = makeCache();
      await goDown(checkpoint(cache).c);
      Conf.reset();
      const restarted = checkpoint(cache);
      const stream = register(restarted.dependent);
      should(stream.running).be.true();
      should(await restarted.c.checkPulse(at(11, 5), { 0: 10 })).equal(35 * 60_000);
      should(stream.running).be.false();
      should(restarted.downtimeCallback.calls).have.length(0);
      await restarted.c.heartbeat(at(11, 6));
      should(stream.running).be.true();
      should(restarted.recoveryCallback.calls).have.length(1);
    });

    it('keeps checkpoints with other names or prefixes apart', async () => {
      const cache = makeCache();
      await goDown(checkpoint(cache).c);
      const other = checkpoint(cache, { name: 'other' }).c;
      const prefixed = checkpoint(cache, { prefix: 'ckpt:' }).c;
      for (const c of [other, prefixed]) {
        await c.ready();
        should(c.state).eql({});
        should(c.stateMarker).be.null();
        should(c.get('weather').checkpointMarker).be.null();
        should(c.get('weather').isDown).be.false();
      }
      await prefixed.checkPulse(at(9));
      should(await cache.get('ckpt:activity_state_marker')).eql(at(9));
      should(await cache.get('_activity_state_marker')).eql(at(11));
    });
  });
}
