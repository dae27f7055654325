import path from 'node:path';
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { Checkpoint, Dependency } from '../../lib/checkpoint';
import { formatDuration, toMillis } from '../shared/duration';
import { toMarker } from '../shared/marker';
import { earliestOffsets, partitionState } from '../shared/offsets';
import { errorStatus, refuse } from '../shared/status';
import { catalogTranslator, type Translate } from '../shared/i18n';
import type { StoreConfig, StoreState } from '../shared/store';
import { type PropertyUtil, propertyReader } from '../shared/typed-input';

interface DependencyDef {
  name: string;
  threshold: string | number;
  unit: string;
}

interface CheckpointDef extends NodeDef {
  dependencies: DependencyDef[];
  store: string;
  marker: string;
  markerType: string;
  stateProperty: string;
  reprocess: boolean;
}

type Msg = NodeMessageInFlow & Record<string, unknown>;
type Send = (msg: Array<NodeMessage | null>) => void;

/** Checkpoint keys in a store start with this, away from the users' own keys. */
const KEY_PREFIX = '_slipstream_checkpoint_';

/** The node feeds the checkpoint itself: its streams are not iterated. */
const NO_SOURCE: AsyncIterable<unknown> = { [Symbol.asyncIterator]: async function* () {} };

/** This file's English message catalog (copied beside the compiled file by the build). */
const CATALOG = path.join(__dirname, 'locales', 'en-US', 'checkpoint.json');

export = function (RED: NodeAPI): void {
  const t = catalogTranslator(RED._ as Translate, CATALOG);


  function SlipstreamCheckpoint(this: Node, def: CheckpointDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const markerProp = def.marker || 'timestamp';
    const markerType = def.markerType || 'msg';
    const readMarker = propertyReader(RED.util as unknown as PropertyUtil, node, markerProp, markerType);
    const store = def.store ? (RED.nodes.getNode(def.store) as unknown as StoreConfig | null)?.store : undefined;
    if (def.store && !store) return fail(t('slipstream-checkpoint.errors.store-missing'));
    const cache = store?.cache();
    let checkpoint: Checkpoint;
    try {
      checkpoint = new Checkpoint(node.id, {
        dependent: NO_SOURCE,
        dependencies: (def.dependencies ?? []).map(
          (d) => new Dependency(d.name, NO_SOURCE, { downtimeThreshold: toMillis(d.threshold, d.unit || 's') }),
        ),
        cache,
        cacheKeyPrefix: KEY_PREFIX,
        pauseDependent: false, // the node sends control messages instead
        downtimeCallback: (_c, dependency) => wentDown(dependency),
        recoveryCallback: () => recovered(),
      });
    } catch (err) {
      return fail((err as Error).message);
    }
    let paused = false;
    let closing = false;

    function fail(reason: string): void {
      refuse(node, new Error(`slipstream-checkpoint: ${reason}`), errorStatus(reason));
    }

    const control = (action: string, extra: object = {}): void => node.send([null, null, { action, ...extra } as NodeMessage]);

    function pauseOnce(): void {
      if (paused) return;
      paused = true;
      control('pause');
    }

    // Where to seek back to: the dependent's state when a dependency was found
    // down, i.e. including the message that found it, the first one processed
    // with data older than the threshold (the seed's cookbook reprocesses it).
    // Kept apart from the checkpoint's own state, which moves on with every
    // message that was already in flight when the pause went out.
    const seekKey = (name: string): string => `${KEY_PREFIX}${node.id}_${name}_seek`;
    const remembered = new Map<string, Record<string, unknown>>();

    async function wentDown(dependency: Dependency): Promise<void> {
      const state = { ...checkpoint.state };
      remembered.set(dependency.name, state);
      await cache?.put(seekKey(dependency.name), state);
      pauseOnce();
    }

    async function recovered(): Promise<void> {
      if (def.reprocess) {
        const offsets = earliestOffsets(await Promise.all([...checkpoint.dependencies.keys()].map(seekState)));
        if (Object.keys(offsets).length > 0) control('seek', { offset: offsets });
      }
      remembered.clear();
      await Promise.all([...checkpoint.dependencies.keys()].map((name) => cache?.delete(seekKey(name))));
      paused = false;
      control('resume');
    }

    async function seekState(name: string): Promise<Record<string, unknown> | null | undefined> {
      if (remembered.has(name)) return remembered.get(name);
      return (await cache?.get(seekKey(name))) as Record<string, unknown> | null | undefined;
    }

    function stateOf(msg: Msg): Record<string, unknown> {
      if (!def.stateProperty) return partitionState(msg as { partition?: unknown; offset?: unknown });
      const state = RED.util.getMessageProperty(msg as NodeMessage, def.stateProperty) as unknown;
      if (state === undefined || state === null) return {};
      if (typeof state !== 'object' || Array.isArray(state)) {
        throw new TypeError(`slipstream-checkpoint: ${t('slipstream-checkpoint.errors.state-not-object', { property: def.stateProperty, type: typeof state })}`);
      }
      return state as Record<string, unknown>;
    }

    async function handle(msg: Msg, send: Send): Promise<void> {
      const marker = toMarker(await readMarker(msg), markerType === 'msg' ? `msg.${markerProp}` : 'marker');
      if (msg.dependency !== undefined) {
        if (typeof msg.dependency !== 'string') throw new TypeError(`slipstream-checkpoint: ${t('slipstream-checkpoint.errors.dependency-not-name')}`);
        msg.payload = await checkpoint.heartbeat(marker, msg.dependency);
        send([null, msg as NodeMessage, null]);
        return;
      }
      const downtime = await checkpoint.checkPulse(marker, stateOf(msg));
      if (downtime !== null) pauseOnce(); // also after a restart while a dependency was down
      msg.checkpoint = { downtime };
      send([msg as NodeMessage, null, null]);
    }

    function showStatus(): void {
      if (closing) return;
      for (const dependency of checkpoint.dependencies.values()) {
        if (dependency.isDown) {
          const text =
            typeof dependency.downtime === 'number'
              ? t('slipstream-checkpoint.status.down-for', { name: dependency.name, duration: formatDuration(dependency.downtime) })
              : t('slipstream-checkpoint.status.down', { name: dependency.name });
          node.status({ fill: 'yellow', shape: 'ring', text });
          return;
        }
      }
      node.status({ fill: 'green', shape: 'dot', text: t('slipstream-checkpoint.status.all-up') });
    }

    const user = {
      id: node.id,
      onState(state: StoreState): void {
        if (closing) return;
        if (state.state === 'ready') checkpoint.ready().then(showStatus, (err: unknown) => node.error(err));
        else node.status(store!.statusOf(state));
      },
    };
    if (store) store.register(user);
    else showStatus();

    node.on('input', (msg, send, done) => {
      handle(msg as Msg, send).then(
        () => {
          showStatus();
          done();
        },
        (err: unknown) => done(err as Error),
      );
    });

    node.on('close', (removed: boolean, done: () => void) => {
      closing = true;
      void (store ? store.deregister(user, removed) : Promise.resolve()).then(() => {
        if (removed) node.status({});
        done();
      });
    });
  }
  RED.nodes.registerType('slipstream-checkpoint', SlipstreamCheckpoint as never);
};
