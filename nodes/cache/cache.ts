import path from 'node:path';
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import type { Cache } from '../../lib/cache';
import type { Key } from '../../lib/interfaces';
import { entriesArray, iterateOptions, type QueryEntry, type QueryKind, runQuery } from '../shared/query';
import { catalogTranslator, type Translate } from '../shared/i18n';
import { inRecordOf } from '../shared/record-scope';
import { parseList, presetOptions, SharedStore, type StoreConfig, type StoreState } from '../shared/store';
import { sweepAfterDeploys } from '../shared/owner';
import { errorStatus, refuse } from '../shared/status';
import { type PropertyUtil, propertyReader, propertyWriter } from '../shared/typed-input';
import { UserCode } from '../shared/user-code';

// ---- slipstream-store (config) ---------------------------------------------------

interface StoreDef extends NodeDef {
  path: string;
  preset: string;
  columnFamilies: string;
  /** Log changes to Kafka, for several Node-RED instances in one consumer group (the editor's "log changes to Kafka"). */
  changelog?: boolean;
  /** The changelog topic of the default column family; blank: the library's default name. */
  changelogTopic?: string;
}

// ---- slipstream-cache ---------------------------------------------------------------

type Operation = 'get' | 'put' | 'delete' | 'has' | 'query' | 'update' | 'watch';

interface CacheDef extends NodeDef {
  store: string;
  columnFamily: string;
  operation: Operation;
  key: string;
  keyType: string;
  value: string;
  valueType: string;
  query: QueryKind;
  prefix: string;
  prefixType: string;
  fromKey: string;
  fromKeyType: string;
  backwards: boolean;
  limit: string | number;
  split: boolean;
  func: string;
}

type Msg = NodeMessageInFlow & Record<string, unknown>;
type Update = (oldValue: unknown, msg: Msg) => Promise<unknown>;

/** Operations that write their result to the value location (which must then be a msg property). */
const READS: ReadonlySet<Operation> = new Set(['get', 'has', 'query', 'update', 'watch']);

/** This file's English message catalog (copied beside the compiled file by the build). */
const CATALOG = path.join(__dirname, 'locales', 'en-US', 'cache.json');

export = function (RED: NodeAPI): void {
  const t = catalogTranslator(RED._ as Translate, CATALOG);

  function SlipstreamStore(this: Node & StoreConfig, def: StoreDef): void {
    RED.nodes.createNode(this, def);
    const userDir = (RED.settings as { userDir?: string }).userDir ?? process.cwd();
    const dir = path.resolve(userDir, def.path || 'slipstream-store');
    const changelog = def.changelog ? { topic: def.changelogTopic?.trim() || undefined } : undefined;
    this.store = new SharedStore(dir, presetOptions(def.preset), parseList(def.columnFamilies), (err) => this.error(err), t, changelog);
    sweepAfterDeploys(RED.events, this, this.store);
    if (changelog) warnUnfollowed(this);
    this.on('close', (done: () => void) => {
      this.store.close().then(
        () => done(),
        (err: unknown) => {
          this.error(err);
          done();
        },
      );
    });
  }
  RED.nodes.registerType('slipstream-store', SlipstreamStore as never);

  /** After every deploy: a store that logs changes but that no topic-in names works without its changelog, and says so. */
  function warnUnfollowed(node: Node & StoreConfig): void {
    const check = (): void => {
      if (!node.store.follower) node.warn(t('slipstream-store.errors.not-followed'));
    };
    RED.events.on('flows:started', check);
    node.on('close', () => RED.events.removeListener('flows:started', check));
  }

  const util = RED.util as unknown as PropertyUtil;

  function SlipstreamCache(this: Node, def: CacheDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const operation = def.operation || 'get';
    const keyType = def.keyType || 'msg';
    const keyProp = def.key || 'key';
    const valueType = def.valueType || 'msg';
    const valueProp = def.value || 'payload';
    const config = RED.nodes.getNode(def.store) as unknown as StoreConfig | null;
    if (!config?.store) {
      fail(t('slipstream-cache.errors.no-store'));
      return;
    }
    if (READS.has(operation) && valueType !== 'msg') {
      fail(t('slipstream-cache.errors.value-not-msg', { operation }));
      return;
    }
    if ((operation === 'query' || operation === 'watch') && keyType !== 'msg') {
      fail(t('slipstream-cache.errors.key-not-msg', { operation }));
      return;
    }
    const store = config.store;
    const readKey = propertyReader(util, node, keyProp, keyType);
    const readValue = propertyReader(util, node, valueProp, valueType);
    const writeKey = propertyWriter(util, keyProp);
    const writeValue = propertyWriter(util, valueProp);
    const readPrefix = def.prefix ? propertyReader(util, node, def.prefix, def.prefixType || 'str') : undefined;
    const readFromKey = def.fromKey ? propertyReader(util, node, def.fromKey, def.fromKeyType || 'str') : undefined;
    // Looked up per message: a topic-in that the store follows makes its caches again (with a changelog).
    const cacheOf = (): Cache => store.cache(def.columnFamily);
    let update: Update | undefined;
    /** The update's code: errors thrown in it are annotated with the user's line when they complete the message. */
    let code: UserCode | undefined;
    if (operation === 'update') {
      code = new UserCode(`slipstream-cache:${node.id}`, { console, Buffer, URL, RED: { util: RED.util } });
      try {
        update = code.compile<Update>('update', 'async function (oldValue, msg) {', def.func ?? '');
      } catch (err) {
        fail((err as Error).message);
        return;
      }
    }
    let closing = false;
    const user = {
      id: node.id,
      onState(state: StoreState): void {
        if (!closing) node.status(store.statusOf(state));
      },
    };
    store.register(user);
    // Updates are published per directory and column family, whichever cache object makes them.
    const stopWatching = operation === 'watch' ? watch(cacheOf()) : undefined;

    function fail(reason: string): void {
      refuse(node, new Error(`slipstream-cache: ${reason}`), errorStatus(reason));
    }

    /** The message's key: at once for a msg property (the usual case), else a promise. */
    function keyOf(msg: Msg): Key | Promise<Key> {
      const key = readKey(msg);
      return key instanceof Promise ? key.then(checkedKey) : checkedKey(key);
    }

    function checkedKey(key: unknown): Key {
      if (key === undefined || key === null) {
        const where = keyType === 'msg' ? `msg.${keyProp}` : `the ${keyType} ${keyProp}`;
        throw new Error(`slipstream-cache: ${t('slipstream-cache.errors.no-key', { where, value: String(key) })}`);
      }
      return key as Key;
    }

    function withValue(msg: Msg, value: unknown): Msg {
      writeValue(msg, value);
      return msg;
    }

    function entryMessage(msg: Msg, entry: QueryEntry, index: number, count: number, id: string): Msg {
      const out = RED.util.cloneMessage(msg as NodeMessage) as Msg;
      writeKey(out, entry.key);
      // `type` (not in @types/node-red) lets a join node in automatic mode rebuild the array.
      Object.assign(out, { parts: { id, index, count, type: 'array' } });
      return withValue(out, def.query === 'keys' ? entry.key : entry.value);
    }

    async function query(msg: Msg): Promise<Msg[]> {
      const options = iterateOptions({
        prefix: await readPrefix?.(msg),
        fromKey: await readFromKey?.(msg),
        backwards: def.backwards,
        limit: def.limit,
      });
      const entries = await runQuery(cacheOf(), def.query || 'items', options);
      if (!def.split) return [withValue(msg, entriesArray(def.query || 'items', entries))];
      const id = RED.util.generateId();
      return entries.map((entry, index) => entryMessage(msg, entry, index, entries.length, id));
    }

    /**
     * Read-modify-write under the key's transaction lock; the new value is
     * published. Promise chains, not async functions: the per-message path.
     */
    function updateValue(msg: Msg, key: Key): Promise<Msg[]> {
      const value = cacheOf().transaction(key, (locked) =>
        locked.get(key).then((old) =>
          // undefined: leave the value as it is
          (update as Update)(old, msg).then((next) => (next === undefined ? old : locked(key, next).then(() => next))),
        ),
      );
      return value.then((updated) => [withValue(msg, updated)]);
    }

    /** `update`'s handling (not an async function: the per-message path); the other operations are `handleOther`'s. */
    function handleUpdate(msg: Msg): Promise<Msg[]> {
      try {
        const key = keyOf(msg);
        return key instanceof Promise ? key.then((read) => updateValue(msg, read)) : updateValue(msg, key);
      } catch (err) {
        return Promise.reject(err); // a missing key, a store that failed: the message completes with the error
      }
    }

    async function handleOther(msg: Msg): Promise<Msg[]> {
      switch (operation) {
        case 'get':
          return [withValue(msg, await cacheOf().get(await keyOf(msg)))];
        case 'has':
          return [withValue(msg, await cacheOf().has(await keyOf(msg)))];
        case 'put': {
          const key = await keyOf(msg);
          const value = await readValue(msg);
          await cacheOf()(key, value); // store and publish to watchers
          return [msg];
        }
        case 'delete':
          await cacheOf().delete(await keyOf(msg));
          return [msg];
        case 'query':
          return query(msg);
        default:
          return []; // watch: input messages are not used
      }
    }

    /** Emit every update published on the cache (`cache(key, value)`, put) until closed. */
    function watch(source: Cache): () => Promise<unknown> {
      const updates = source[Symbol.asyncIterator]();
      void (async () => {
        for (;;) {
          const next = await updates.next();
          if (next.done) return;
          const [key, value] = next.value;
          const msg = {} as Msg;
          writeKey(msg, key);
          node.send(withValue(msg, value) as NodeMessage);
        }
      })();
      return async () => updates.return?.();
    }

    const handle = operation === 'update' ? handleUpdate : handleOther;

    node.on('input', (msg, send, done) => {
      // Writes of a topic-in message log to its record's partition (changelog stores).
      inRecordOf(msg, () => handle(msg as Msg)).then(
        (outs) => {
          for (const out of outs) send(out as NodeMessage);
          done();
        },
        (err: unknown) => done(code ? code.annotate(err) : (err as Error)),
      );
    });

    node.on('close', (removed: boolean, done: () => void) => {
      closing = true;
      void Promise.all([stopWatching?.(), store.deregister(user, removed)]).then(() => {
        if (removed) node.status({});
        done();
      });
    });
  }
  RED.nodes.registerType('slipstream-cache', SlipstreamCache as never);
};
