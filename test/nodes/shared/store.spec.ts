import fs from 'node:fs';
import path from 'node:path';
import should from 'should';
import { catalogTranslator } from '../../../nodes/shared/i18n';
import { presetOptions, parseList, SharedStore, StoreFollowedError, type StoreState } from '../../../nodes/shared/store';
import { Topic } from '../../../lib/topic';
import { EngineUnavailableError } from '../../../lib/cache/engine';
import { CacheOpenError } from '../../../lib/cache/open-error';
import { removeTempDirs, tempDir, waitFor } from '../../cache/helpers';

function user(id: string): { id: string; states: string[]; onState(state: StoreState): void } {
  const states: string[] = [];
  return { id, states, onState: (state) => states.push(state.state === 'error' ? `error: ${state.error.message}` : state.state) };
}

/** Until the store has opened or failed (opening RocksDB takes longer on a busy machine). */
async function settle(store: SharedStore): Promise<void> {
  await waitFor(() => store.state?.state !== 'opening', 10_000, 'the store to open or fail');
}

describe('nodes/shared: SharedStore', () => {
  afterEach(removeTempDirs);

  it('opens with the first user, tells every user, and shares one cache per column family', async () => {
    const store = new SharedStore(tempDir(), {}, ['weather']);
    const a = user('a');
    const b = user('b');
    store.register(a);
    store.register(b);
    await settle(store);
    should(a.states).eql(['opening', 'ready']);
    should(b.states).eql(['opening', 'ready']);
    should(store.cache()).equal(store.cache('default'));
    should(store.cache('weather')).not.equal(store.cache());
    await store.cache('weather').put('k', 1);
    should(await store.cache().get('k')).be.undefined();
    const c = user('c');
    store.register(c);
    should(c.states).eql(['ready']);
    await store.close();
  });

  it('stays open while users restart on a redeploy; closes when the last user is removed', async () => {
    const dir = tempDir();
    const store = new SharedStore(dir);
    const a = user('a');
    store.register(a);
    await store.cache().put('k', 'v');
    await store.deregister(a, false);
    should(store.state).match({ state: 'ready' });
    store.register(a);
    await store.deregister(a, true);
    should(store.state).be.undefined();
    // Closed: another store (or process) may open the directory now.
    const again = new SharedStore(dir);
    should(await again.cache().get('k')).equal('v');
    await again.close();
  });

  it('an unwritable directory: every user hears the error, the store owner the whole error once; a later user retries', async () => {
    const file = path.join(tempDir(), 'file');
    fs.writeFileSync(file, '');
    const told: Error[] = [];
    const store = new SharedStore(path.join(file, 'db'), {}, [], (err) => told.push(err));
    const a = user('a');
    store.register(a);
    await settle(store);
    should(a.states[1]).match(/^error: Cannot open cache at .*: not a writable directory/);
    should(store.statusOf(store.state!)).match({ fill: 'red', shape: 'ring', text: /^Cannot open cache/ });
    should(told.map((err) => err.message)).match([/^Cannot open cache at .*: not a writable directory/]);
    const b = user('b');
    store.register(b);
    await settle(store);
    should(b.states).match(['opening', /^error/]);
    await store.close();
  });

  it('a directory locked by another process shows as such (read from CacheOpenError.locked), other open errors by their message', () => {
    const catalog = path.resolve(__dirname, '../../../nodes/cache/locales/en-US/cache.json');
    const store = new SharedStore(path.join(tempDir(), 'db'), {}, [], () => undefined, catalogTranslator((key) => key, catalog));
    const locked = new CacheOpenError('/data/db', 'locked', 'the directory is locked by another process (…)');
    should(store.statusOf({ state: 'error', error: locked })).match({ fill: 'red', text: 'store locked by another process' });
    const timeout = new CacheOpenError('/data/db', 'timeout', 'opening did not finish within 0 ms');
    should(store.statusOf({ state: 'error', error: timeout })).match({ fill: 'red', text: /^Cannot open cache at \/data\/db: opening did not finish/ });
  });

  it('two stores on a directory and a symlink to it share one database: no write is lost', async () => {
    const root = tempDir();
    const dir = path.join(root, 'db');
    fs.mkdirSync(dir);
    fs.symlinkSync(dir, path.join(root, 'link'));
    const stores = [new SharedStore(dir), new SharedStore(path.join(root, 'link'))];
    const count = 2_000;
    for (let i = 0; i < count; i++) await stores[i % 2].cache().put(i, i);
    should(await stores[0].cache().get(1)).equal(1);
    await Promise.all(stores.map((store) => store.close()));
    const again = new SharedStore(dir);
    const values = await again.cache().getMany(Array.from({ length: count }, (_, i) => i));
    await again.close();
    should(values.filter((value, i) => value !== i).length).equal(0);
  });

  it('shows which platform lacks RocksDB, not the start of the loader message, in the store node\'s texts', () => {
    const error = new EngineUnavailableError('linux-arm', "Cannot find addon '.' imported from 'file:///…/binding.js'");
    // The store node's English catalog, as the build placed it beside the compiled node file.
    const catalog = path.resolve(__dirname, '../../../nodes/cache/locales/en-US/cache.json');
    const store = new SharedStore(tempDir(), {}, [], undefined, catalogTranslator((key) => key, catalog));
    should(store.statusOf({ state: 'error', error })).eql({ fill: 'red', shape: 'ring', text: 'RocksDB is not available on this platform: linux-arm' });
    should(store.statusOf({ state: 'opening' })).eql({ fill: 'yellow', shape: 'ring', text: 'opening store' });
    should(store.statusOf({ state: 'ready' })).eql({ fill: 'green', shape: 'dot', text: 'ready' });
  });

  describe('following a topic-in (changelog option)', () => {
    // Topics that are never consumed nor written through here: no broker is contacted.
    const source = (groupId?: string): Topic => new Topic('payments', { brokers: ['127.0.0.1:1'], groupId });
    const inA = { id: 'a', label: 'payments in' };
    const inB = { id: 'b', label: 'other in' };

    it('makes the caches of every column family again for the topic-in; refuses a second one; unfollow frees it', async () => {
      const store = new SharedStore(tempDir(), {}, ['extra'], undefined, undefined, {});
      const before = [store.cache(), store.cache('extra')];
      store.follow(inA, source('g'));
      should(store.follower).equal(inA);
      const following = [store.cache(), store.cache('extra')];
      should(following[0]).not.equal(before[0]);
      should(following[1]).not.equal(before[1]);
      should(() => store.follow(inB, source('g'))).throw(StoreFollowedError, { follower: inA, message: /already follows the partitions of topic-in payments in/ });
      await store.unfollow(inB); // not the follower: nothing changes
      should(store.cache()).equal(following[0]);
      await store.unfollow(inA);
      should(store.follower).be.undefined();
      should(store.cache()).not.equal(following[0]);
      store.follow(inB, source('g'));
      should(store.follower).equal(inB);
      await store.close();
    });

    it('a changelog the library refuses (no group id, a bad topic name): the error, and the store does not follow', async () => {
      const store = new SharedStore(tempDir(), {}, [], undefined, undefined, {});
      should(() => store.follow(inA, source())).throw(TypeError, { message: /has no groupId/ });
      should(store.follower).be.undefined();
      const named = new SharedStore(tempDir(), {}, [], undefined, undefined, { topic: 'bad topic!' });
      should(() => named.follow(inA, source('g'))).throw(TypeError, { message: /Changelog topic name "bad topic!" is not valid/ });
      should(named.follower).be.undefined();
      await Promise.all([store.close(), named.close()]);
    });

    it('a store without the changelog option does not follow', async () => {
      const store = new SharedStore(tempDir());
      const cache = store.cache();
      store.follow(inA, source('g'));
      should(store.follower).be.undefined();
      should(store.cache()).equal(cache);
      await store.close();
    });
  });

  it('presets and lists', () => {
    should(presetOptions('default')).eql({});
    should(presetOptions('large')).eql({ targetTableSize: 64 * 1024 * 1024, maxWriteBufferNumber: 4 });
    should(presetOptions('unknown')).eql({});
    should(parseList(' a, b,,c ')).eql(['a', 'b', 'c']);
    should(parseList(undefined)).eql([]);
  });
});
