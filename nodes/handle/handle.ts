import path from 'node:path';
import util from 'node:util';
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow, NodeStatus } from 'node-red';
import type { Cache } from '../../lib/cache';
import { drain } from '../shared/generator';
import { outputMessage } from '../shared/output';
import { inRecordOf } from '../shared/record-scope';
import { errorStatus } from '../shared/status';
import { catalogTranslator, type Translate } from '../shared/i18n';
import type { SharedStore, StoreConfig } from '../shared/store';
import { watchLongRunning } from '../shared/long-running';
import { sandboxTimers } from '../shared/timers';
import { UserCode } from '../shared/user-code';

/** One store bound to the node: `caches.<name>` in the user code. */
interface Binding {
  name: string;
  store: string;
  columnFamily?: string;
}

interface HandleDef extends NodeDef {
  func: string;
  initialize: string;
  timeout: string | number;
  stores?: Binding[];
}

type Send = (msg: NodeMessage | Array<NodeMessage | NodeMessage[] | null>) => void;
type Done = (err?: Error) => void;

/** `node` as user code sees it, per message. */
interface SandboxNode {
  id: string;
  name: string;
  log(message: unknown): void;
  warn(message: unknown): void;
  error(err: unknown, msg?: NodeMessage): void;
  status(status: string | NodeStatus): void;
  send(msgs: NodeMessage | Array<NodeMessage | NodeMessage[] | null>, clone?: boolean): void;
  done(err?: Error): void;
}

type Handler = (msg: NodeMessageInFlow, node: SandboxNode) => AsyncGenerator<unknown, unknown, unknown>;
type Setup = (node: SandboxNode) => Promise<unknown>;

/** Calls `done` once: user code may call `node.done()` and then fail. */
function once(done: Done): Done {
  let called = false;
  return (err) => {
    if (called) return;
    called = true;
    done(err);
  };
}

/** As the function node: code that calls `node.done()` completes its messages itself. */
function callsDone(code: string): boolean {
  return /\bnode\.done\s*\(/.test(code);
}

/** A message running this long (ms) is shown in the status, with its running time, updated as often. */
const LONG_RUNNING_MS = 5_000;

/** This file's English message catalog (copied beside the compiled file by the build). */
const CATALOG = path.join(__dirname, 'locales', 'en-US', 'handle.json');

export = function (RED: NodeAPI): void {
  const t = catalogTranslator(RED._ as Translate, CATALOG);

  function SlipstreamHandle(this: Node, def: HandleDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const timeoutMs = Math.max(0, Number(def.timeout) || 0) * 1000;
    const timers = sandboxTimers((err) => node.error(err));
    const { caches, stores } = bindStores(node, def.stores ?? []);
    let closing = false;
    let broken = false; // a compile or setup error: its status stays

    // A message running for long covers the status with a notice; what is set
    // meanwhile (by the code, a store) shows once the message has finished.
    let current: string | NodeStatus = {};
    let noticeShown = false;
    let stopWatching: (() => void) | undefined;
    function status(next: string | NodeStatus): void {
      current = next;
      if (!noticeShown) node.status(next);
    }
    function watchMessage(): () => void {
      return watchLongRunning({
        afterMs: LONG_RUNNING_MS,
        everyMs: LONG_RUNNING_MS,
        show: (running) => {
          noticeShown = true;
          node.status({ fill: 'yellow', shape: 'ring', text: t('slipstream-handle.status.running', { duration: running }) });
        },
        clear: () => {
          noticeShown = false;
          node.status(current);
        },
      });
    }

    /** The worst state of the bound stores, as status. */
    function showStores(): void {
      if (closing || broken) return;
      const states = [...stores].flatMap((store) => (store.state ? [{ store, state: store.state }] : []));
      const worst = states.find((s) => s.state.state === 'error') ?? states.find((s) => s.state.state === 'opening') ?? states[0];
      if (worst) status(worst.store.statusOf(worst.state));
    }
    const storeUser = { id: node.id, onState: showStores };

    function sandboxNode(send: Send, done: Done): SandboxNode {
      return {
        id: node.id,
        name: def.name,
        log: (message) => node.log(message),
        warn: (message) => node.warn(message),
        error: (err, msg) => node.error(err, msg),
        status,
        send: (msgs, clone = true) => send(clone ? RED.util.cloneMessage(msgs as NodeMessage) : msgs),
        done,
      };
    }

    const code = new UserCode(`slipstream-handle:${node.id}`, {
      console,
      Buffer,
      URL,
      URLSearchParams,
      util,
      RED: { util: { ...RED.util, getSetting: (_node: unknown, name: string) => RED.util.getSetting(node, name) } },
      context: node.context(),
      flow: node.context().flow,
      global: node.context().global,
      env: { get: (name: string) => RED.util.getSetting(node, name) },
      caches,
      setTimeout: timers.setTimeout,
      clearTimeout: timers.clearTimeout,
      setInterval: timers.setInterval,
      clearInterval: timers.clearInterval,
    });
    const autoDone = !callsDone(def.func ?? '');
    let handler: Handler | undefined;
    let ready: Promise<unknown>;
    try {
      handler = code.compile<Handler>('body', 'async function* (msg, node) {', def.func ?? '');
      const setup = def.initialize?.trim() ? code.compile<Setup>('setup', 'async function (node) {', def.initialize) : undefined;
      const setupNode = sandboxNode((msgs) => node.send(msgs), () => undefined);
      ready = setup ? code.runSync(() => setup(setupNode), timeoutMs) : Promise.resolve();
    } catch (err) {
      ready = Promise.reject(err);
    }
    // Setup or compile errors: reported once now, and to every message (Catch nodes see them).
    ready = ready.catch((err: unknown) => {
      const error = code.annotate(err);
      broken = true;
      node.error(error);
      status(errorStatus(error));
      throw error;
    });
    ready.catch(() => undefined);

    async function run(msg: NodeMessageInFlow, send: Send, done: Done): Promise<void> {
      const generator = (handler as Handler)(msg, sandboxNode(send, done));
      stopWatching = watchMessage();
      try {
        await drain(generator, {
          emit: (value) => {
            const out = outputMessage(msg, value, (m) => RED.util.cloneMessage(m as NodeMessage));
            if (out) send(out as NodeMessage);
          },
          step: (fn) => code.runSync(fn, timeoutMs),
          timeoutMs,
          stopped: () => closing,
        });
      } finally {
        stopWatching();
      }
    }

    // One message at a time, in arrival order, as the seed's handlers: the
    // outputs of a message all leave before those of the next one.
    let queue = ready.catch(() => undefined);
    node.on('input', (msg, send, nodeDone) => {
      const done = once(nodeDone);
      queue = queue
        .then(() => ready)
        // Cache writes of a topic-in message log to its record's partition (changelog stores).
        .then(() => inRecordOf(msg, () => run(msg, send, done)))
        .then(
          () => {
            if (autoDone) done();
          },
          (err: unknown) => done(code.annotate(err)),
        );
    });

    node.on('close', (removed: boolean, done: () => void) => {
      closing = true;
      stopWatching?.();
      timers.clearAll();
      void Promise.all([...stores].map((store) => store.deregister(storeUser, removed))).then(() => {
        if (removed) node.status({});
        done();
      });
    });

    for (const store of stores) store.register(storeUser);
  }

  /**
   * `caches.<name>` for the user code, from the stores bound in the editor:
   * each looked up when read, since a topic-in that a store follows makes
   * the store's caches again (with a changelog).
   */
  function bindStores(node: Node, bindings: Binding[]): { caches: Record<string, Cache>; stores: Set<SharedStore> } {
    const caches: Record<string, Cache> = {};
    const stores = new Set<SharedStore>();
    for (const binding of bindings) {
      const config = RED.nodes.getNode(binding.store) as unknown as StoreConfig | null;
      if (!binding.name || !config?.store) {
        node.error(`slipstream-handle: ${t('slipstream-handle.errors.binding', { name: binding.name })}`);
        continue;
      }
      const { store } = config;
      Object.defineProperty(caches, binding.name, { get: () => store.cache(binding.columnFamily), enumerable: true });
      stores.add(store);
    }
    return { caches: Object.freeze(caches), stores };
  }

  RED.nodes.registerType('slipstream-handle', SlipstreamHandle as never);
};
