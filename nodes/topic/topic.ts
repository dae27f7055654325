import path from 'node:path';
import type { ConnectionOptions } from 'node:tls';
import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import { JsonCodec } from '../../lib/codecs';
import { type Accepted, type ICodec, NOTHING_NOW, takeNow } from '../../lib/interfaces';
import type { Logger } from '../../lib/log';
import {
  COMPRESSIONS,
  type Compression,
  type DecodeError,
  DeliveryTimeoutError,
  ISOLATIONS,
  type Isolation,
  type KafkaConnection,
  type Offset,
  type Retrying,
  retryReason,
  Topic,
  type TopicConf,
  TopicError,
  type TopicRecord,
} from '../../lib/topic';
import { Signal } from '../../lib/utils/signal';
import { type AddressProblem, brokerAddressProblem } from '../shared/broker-address';
import { type BrokerState, type BrokerUser, SharedBroker } from '../shared/broker';
import { sweepAfterDeploys } from '../shared/owner';
import { catalogTranslator, type Translate } from '../shared/i18n';
import { RestoreProgress } from '../shared/restore-progress';
import { forgetOriginsOf, handOverAck, inOriginOf, originOf, type Settle, settleIfIdle, trackOrigin } from '../shared/record-scope';
import { type Hooks, useCompletionHooks } from '../shared/completion-hooks';
import { nextMessageId } from '../shared/message-ids';
import { type SharedStore, type StoreConfig, StoreFollowedError, type StoreFollower, type StoreUser } from '../shared/store';
import { topicsOfField } from '../shared/topic-names';
import { errorStatus, errorText, refuse, shortText, type Status } from '../shared/status';

// ---- slipstream-kafka (config) -------------------------------------------------

interface BrokerDef extends NodeDef {
  brokers: string;
  clientId: string;
  usetls: boolean;
  tls: string;
  saslMechanism: 'none' | 'plain' | 'scram-sha-256' | 'scram-sha-512';
  connectionTimeout: string;
}
interface BrokerCredentials {
  username?: string;
  password?: string;
}
/** The broker config node, as its users see it (10-mqtt's broker node has the same three doors). */
interface BrokerNode extends Node<BrokerCredentials> {
  conf: TopicConf;
  /** Why the address cannot be used, as text (its users show it and make no client), if it cannot. */
  problem: string | undefined;
  /** The shared connection (made now if it is not open). */
  connection(): KafkaConnection;
  /** Start using the connection: it connects for the first user; every user hears its state. */
  register(user: BrokerUser): void;
  /** Stop using it: it closes when the last user is removed, and stays open across a redeploy. */
  deregister(user: BrokerUser, removed: boolean): Promise<void>;
}
interface TlsConfigNode extends Node {
  addTLSOptions(opts: ConnectionOptions): void;
}

// ---- slipstream-topic-in / -out ------------------------------------------------

interface TopicInDef extends NodeDef {
  broker: string;
  topic: string;
  groupId: string;
  start: 'committed' | 'earliest' | 'latest' | 'offset';
  offset: string;
  codec: Codec;
  maxInFlight: string;
  /** A message a node completed with an error: hold its partition's commits there (default), or skip it. */
  onFailure?: 'hold' | 'skip';
  /** A `slipstream-store` whose state follows this topic's partitions (when the store logs changes). */
  store?: string;
  /** Passed to the Topic as `processingGuarantee`; at-least-once is the library's default. */
  processingGuarantee?: 'at-least-once' | 'exactly-once';
  /** Records of Kafka transactions: committed ones only (default), or everything written. */
  isolation?: Isolation;
}
interface TopicOutDef extends NodeDef {
  broker: string;
  topic: string;
  codec: Codec;
  acks: string;
  compression?: string;
  /** Seconds; blank: the library's default. */
  deliveryTimeout?: string;
  /** 1: each message goes out again once the broker acknowledged it (the editor's "acknowledgement output"). */
  outputs?: number | string;
}
type Codec = 'json' | 'string' | 'buffer';

/** Passes Buffers through untouched. */
const bufferCodec: ICodec = { encode: (obj) => toBuffer(obj), decode: (buf) => buf };

function toBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'string') return Buffer.from(value);
  throw new TypeError(`the buffer codec sends Buffers and strings, got ${typeof value}`);
}

function codecOf(name: Codec): ICodec | undefined {
  if (name === 'json') return new JsonCodec();
  if (name === 'buffer') return bufferCodec;
  return undefined; // strings: the Topic's own UTF-8 handling
}

/**
 * What the library logs for a node (kafkajs retries and reconnects, seeks out
 * of range, …) goes to Node-RED's log, not to the debug sidebar: the node's
 * status says what is happening, and failures of a message reach Catch nodes
 * through the node's own `error(err, msg)`.
 */
function nodeLogger(log: NodeAPI['log'], node: Node): Logger {
  const where = `[${node.type}:${node.name || node.id}]`;
  return { info: (m) => log.debug(`${where} ${m}`), warn: (m) => log.warn(`${where} ${m}`), error: (m) => log.error(`${where} ${m}`) };
}

function stringHeaders(headers: TopicRecord['headers']): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.map(String) : String(value);
  }
  return out;
}

/**
 * Status text of a topic's failure, read by its kind: a delivery timeout
 * with its duration, a refused topic with its name; otherwise the cause,
 * without the "Error while consuming from Topic <name>: " the node already
 * shows by being that topic's node (the library keeps the failure in `cause`).
 */
function failureText(err: unknown, t: Translate): string {
  const timedOut = errorIn(err, DeliveryTimeoutError);
  if (timedOut) return t('slipstream-kafka.status.not-delivered', { seconds: timedOut.deliveryTimeout / 1_000, reason: retryReason(timedOut.cause as Error) });
  const refused = errorIn(err, TopicError);
  if (refused) return t('slipstream-kafka.status.refused-topic', { topic: refused.topic, reason: refused.reason });
  return errorText(err instanceof Error && err.cause !== undefined ? err.cause : err);
}

/** The first error of class `kind` in the cause chain of `err`. */
function errorIn<E extends Error>(err: unknown, kind: abstract new (...args: never[]) => E): E | undefined {
  for (let e = err; e instanceof Error; e = e.cause) if (e instanceof kind) return e;
  return undefined;
}

/** A broker connection state as a user's status. */
function brokerStatus(state: BrokerState, t: Translate): Status {
  if (state.state === 'connecting') return { fill: 'yellow', shape: 'ring', text: t('slipstream-kafka.status.connecting') };
  if (state.state === 'connected') return { fill: 'green', shape: 'dot', text: t('slipstream-kafka.status.connected') };
  return errorStatus(state.error, retryReason(state.error));
}

function problemText(problem: AddressProblem, t: Translate): string {
  return t(`slipstream-kafka.problem.${problem.reason}`, problem);
}

/**
 * topic-in sends at most this many fetched records in a row, then lets the
 * runtime deliver them. Sent by the thousand, messages would wait long
 * enough to outlive a young-generation garbage collection, and copying them
 * costs more than the yield.
 */
const SEND_BURST = 100;

/** How often the "retrying N s" status of topic-out is brought up to date. */
const RETRY_STATUS_EVERY_MS = 5_000;

/**
 * topic-out's status: green "connected" once a record was acknowledged,
 * yellow "broker unreachable, retrying 40 s" while produce requests are
 * retried (updated every few seconds, not per record), red with the cause
 * when a record failed.
 */
class RetryStatus {
  /** Per topic name: since when its requests are retried, and why. */
  private readonly retrying = new Map<string, Retrying>();
  private ticker: NodeJS.Timeout | undefined;
  private shown = '';

  constructor(
    private readonly node: Node,
    private readonly t: Translate,
  ) {}

  update(topic: string, retrying: Retrying | undefined): void {
    if (retrying) this.retrying.set(topic, retrying);
    else this.retrying.delete(topic);
    if (this.retrying.size === 0) {
      this.stopTicker(); // the outcome (delivered or failed) shows next
      return;
    }
    this.showRetrying();
    this.ticker ??= setInterval(() => this.showRetrying(), RETRY_STATUS_EVERY_MS);
  }

  delivered(): void {
    if (this.retrying.size === 0) this.show({ fill: 'green', shape: 'dot', text: this.t('slipstream-kafka.status.connected') });
  }

  failed(err: unknown): void {
    this.show(errorStatus(err, failureText(err, this.t)));
  }

  /** The broker's connection state, unless retries say more. */
  broker(status: Status): void {
    if (this.retrying.size === 0) this.show(status);
  }

  stop(): void {
    this.stopTicker();
    this.retrying.clear();
  }

  private showRetrying(): void {
    const oldest = [...this.retrying.values()].reduce((a, b) => (b.since < a.since ? b : a));
    const seconds = Math.round((Date.now() - oldest.since) / 1_000);
    this.show({ fill: 'yellow', shape: 'ring', text: this.t('slipstream-kafka.status.retrying', { reason: retryReason(oldest.error), seconds }) });
  }

  /** Only changes reach the editor (a busy node acknowledges thousands of records a second). */
  private show(status: Status): void {
    const key = `${status.fill} ${status.text}`;
    if (key === this.shown) return;
    this.shown = key;
    this.node.status(status);
  }

  private stopTicker(): void {
    clearInterval(this.ticker);
    this.ticker = undefined;
  }
}

/**
 * The runtime's message hooks. node-red-node-test-helper's RED lacks
 * `hooks`; there the runtime's own module (a devDependency) is the same one.
 */
function hooksOf(RED: NodeAPI): Hooks {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return RED.hooks ?? (require('@node-red/util') as { hooks: Hooks }).hooks;
}

/** How long a closing broker node waits for its users to close (they take at most 10 s, Node-RED waits 15 s). */
const USERS_CLOSE_MS = 12_000;

/** This file's English message catalog (copied beside the compiled file by the build). */
const CATALOG = path.join(__dirname, 'locales', 'en-US', 'topic.json');

export = function (RED: NodeAPI): void {
  const hooks = hooksOf(RED);
  const t = catalogTranslator(RED._ as Translate, CATALOG);
  function SlipstreamKafka(this: BrokerNode, def: BrokerDef): void {
    RED.nodes.createNode(this, def);
    const ssl: ConnectionOptions | undefined = def.usetls ? {} : undefined;
    if (ssl && def.tls) (RED.nodes.getNode(def.tls) as TlsConfigNode | null)?.addTLSOptions(ssl);
    const { username = '', password = '' } = this.credentials ?? {};
    this.conf = {
      brokers: def.brokers,
      clientId: def.clientId || 'node-red-slipstream',
      ssl,
      sasl: def.saslMechanism && def.saslMechanism !== 'none' ? { mechanism: def.saslMechanism, username, password } : undefined,
      connectionTimeout: Number(def.connectionTimeout) || 3_000,
    };
    const problem = brokerAddressProblem(def.brokers);
    this.problem = problem && problemText(problem, t);
    if (this.problem) this.error(t('slipstream-kafka.errors.address', { problem: this.problem })); // once here; each user shows it as its status
    const broker = new SharedBroker(this.conf, nodeLogger(RED.log, this));
    this.connection = () => broker.connection();
    this.register = (user) => broker.register(user);
    this.deregister = (user, removed) => broker.deregister(user, removed);
    sweepAfterDeploys(RED.events, this, broker);
    // Stopped by a full deploy or a change of its settings; a redeploy that only restarts its users keeps it.
    this.on('close', (done: () => void) => void broker.closeWhenUnused(USERS_CLOSE_MS).then(() => done()));
  }
  RED.nodes.registerType('slipstream-kafka', SlipstreamKafka as never, {
    credentials: { username: { type: 'text' }, password: { type: 'password' } },
  });

  /** The broker config node of a topic node, or why it cannot be used (the node then refuses its messages). */
  function brokerOf(node: Node, def: { broker: string }, type: 'slipstream-topic-in' | 'slipstream-topic-out'): BrokerNode | undefined {
    const broker = RED.nodes.getNode(def.broker) as BrokerNode | null;
    if (!broker) {
      refuse(node, new Error(t(`${type}.errors.no-broker`)), errorStatus(t('slipstream-kafka.status.no-broker')));
      return undefined;
    }
    if (broker.problem) {
      // The broker node logged it once; each user shows it and fails its messages with it.
      const error = new Error(t(`${type}.errors.address`, { problem: broker.problem }));
      node.status(errorStatus(error, broker.problem));
      node.on('input', (_msg: NodeMessageInFlow, _send, done) => done(error));
      return undefined;
    }
    return broker;
  }

  function SlipstreamTopicIn(this: Node, def: TopicInDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const broker = brokerOf(node, def, 'slipstream-topic-in');
    if (!broker) return;
    if (!def.topic) {
      refuse(node, new Error(t('slipstream-topic-in.errors.no-topic')), errorStatus(t('slipstream-topic-in.status.no-topic')));
      return;
    }
    const isolation = def.isolation || 'read_committed';
    if (!ISOLATIONS.includes(isolation)) {
      const error = new Error(t('slipstream-topic-in.errors.invalid-isolation', { value: JSON.stringify(def.isolation), known: ISOLATIONS.join(', ') }));
      refuse(node, error, errorStatus(t('slipstream-topic-in.status.invalid-isolation')));
      return;
    }
    const start = def.start || 'committed';
    const offset = start === 'earliest' ? -2 : start === 'latest' ? -1 : start === 'offset' ? Number(def.offset) : undefined;
    // Exactly-once cannot hold a partition's commits and commit later records' work: a failure stops the consumer
    // instead, which starts again from the last committed transaction.
    const exactlyOnce = def.processingGuarantee === 'exactly-once';
    const onFailure = def.onFailure === 'skip' ? 'skip' : exactlyOnce ? 'stop' : 'hold';
    let closing = false;
    /** Whether the consumer reported a state of its own (it says more than the broker's connection). */
    let consumerReported = false;
    // A consumer is connected once it joined its group: until then the broker's "connected" is not shown.
    const user: BrokerUser = {
      id: node.id,
      onState: (state) => {
        if (!closing && !consumerReported && state.state !== 'connected') show(brokerStatus(state, t));
      },
    };
    let names: ReturnType<typeof topicsOfField>;
    try {
      names = topicsOfField(def.topic);
    } catch (err) {
      refuse(node, err as Error, errorStatus(t('slipstream-topic-in.status.bad-pattern')));
      return;
    }
    const several = typeof names !== 'string';
    const store = storeToFollow(node, def, several);
    if (store === null) return;
    const restores = new RestoreProgress();
    const processingGuarantee = exactlyOnce ? 'exactly-once' : 'at-least-once';
    const conf: TopicConf = { groupId: def.groupId || `node-red-${node.id}`, fromBeginning: start !== 'latest', isolation, processingGuarantee };
    const topic = new Topic(
      names,
      conf,
      {
        connection: broker.connection(),
        codec: codecOf(def.codec),
        maxInFlight: Math.max(1, Number(def.maxInFlight) || 1000),
        finishMode: 'manual',
        onFailure,
        offset,
        logger: nodeLogger(RED.log, node),
        onConsumerState: (state, err) => showState(state, err),
        onRecordFailure: ({ topic: name, partition, offset: at }, err) => {
          if (onFailure === 'hold') {
            const held = t(several ? 'slipstream-topic-in.status.held-topic' : 'slipstream-topic-in.status.held', { topic: name, partition, offset: at, reason: failureText(err, t) });
            show({ fill: 'yellow', shape: 'dot', text: shortText(held) });
          }
        },
        onSkippedRecord: (err) => reportUndecodable(err),
        onRestore: (progress) => showRestore(restores.update(progress)),
      },
    );
    // The store's caches get their changelog now, before the consumer starts: it restores each partition first.
    const follower: StoreFollower = { id: node.id, label: node.name || node.id };
    try {
      store?.follow(follower, topic);
    } catch (err) {
      const status = err instanceof StoreFollowedError ? errorStatus(err, t('slipstream-topic-in.status.store-followed', { follower: err.follower.label })) : errorStatus(err);
      refuse(node, err as Error, status);
      return;
    }

    /** The consumer's last state as status, shown unless a restore's progress covers it (an error shows all the same). */
    let normal: Status | undefined;
    /** Percent restored while changelog restores run. */
    let restoring: number | undefined;
    function show(status: Status): void {
      normal = status;
      if (restoring === undefined || status.fill === 'red') node.status(status);
    }
    function showRestore(percent: number | undefined): void {
      if (closing || percent === restoring) return;
      restoring = percent;
      if (percent !== undefined) node.status({ fill: 'yellow', shape: 'ring', text: t('slipstream-topic-in.status.restoring', { percent }) });
      else if (normal) node.status(normal);
    }
    // A followed store stays open while this node runs; it shows the store's failure.
    const storeUser: StoreUser = {
      id: node.id,
      onState: (state) => {
        if (!closing && state.state === 'error' && store) show(store.statusOf(state));
      },
    };
    store?.register(storeUser);
    broker.register(user);

    /** A record the codec rejected: skipped (its offset counts as done), and shown to Catch nodes with its raw bytes. */
    function reportUndecodable(err: DecodeError): void {
      const msg = {
        _msgid: RED.util.generateId(),
        topic: err.topic,
        partition: err.partition,
        offset: err.offset,
        key: err.key === null ? null : err.key.toString('utf8'),
        payload: err.value,
        error: { message: err.message, name: err.name },
      };
      node.error(err.message, msg as NodeMessage);
    }

    function showState(state: string, err?: Error): void {
      if (closing) return;
      consumerReported = true;
      if (state === 'connected') show({ fill: 'green', shape: 'dot', text: t('slipstream-kafka.status.connected') });
      else if (state === 'paused') show({ fill: 'yellow', shape: 'dot', text: t('slipstream-kafka.status.paused') });
      else if (state === 'connecting') show({ fill: 'yellow', shape: 'ring', text: t('slipstream-kafka.status.connecting') });
      else if (state === 'error') show(errorStatus(err, failureText(err, t)));
      else show({ fill: 'red', shape: 'ring', text: t('slipstream-kafka.status.disconnected') });
    }

    const releaseHooks = useCompletionHooks(hooks, node);
    // A message completed with an error fails its record (see `onFailure`); what topic-out
    // nodes queued for it is acknowledged later: the commit waits for that too.
    const finish: Settle = (record, error, acked) => topic.finish(record as TopicRecord /* as emit() tracked it */, error ? Promise.reject(error) : acked);

    function emit(record: TopicRecord): void {
      const id = nextMessageId();
      trackOrigin(node, id, record, finish);
      node.send({
        _msgid: id,
        payload: record.value,
        key: record.key,
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        timestamp: record.timestamp,
        headers: stringHeaders(record.headers),
      } as NodeMessage);
      settleIfIdle(id);
    }

    /**
     * Send the records fetched already, without a promise each, up to a burst
     * (one was sent before); returns how many were sent in all. The caller
     * lets the runtime deliver a full burst before it sends more.
     */
    function emitFetched(): number {
      let sent = 1;
      while (sent < SEND_BURST && !closing) {
        const record = takeNow<TopicRecord>(topic);
        if (record === NOTHING_NOW) break;
        emit(record);
        sent++;
      }
      return sent;
    }

    async function consume(): Promise<void> {
      let backoff = 1_000;
      const pause = async (): Promise<void> => {
        await new Promise((resolve) => setTimeout(resolve, backoff));
        backoff = Math.min(backoff * 2, 30_000);
      };
      while (!closing) {
        try {
          const result = await topic.next();
          if (result.done) {
            // The consumer stopped: the loop ends when closing, otherwise it starts
            // again after a pause (never at once: that would starve the event loop).
            if (!closing) await pause();
            continue;
          }
          if (result.value !== Signal.SENTINEL) emit(result.value as TopicRecord);
          backoff = 1_000;
          if (emitFetched() === SEND_BURST) await new Promise((resolve) => setImmediate(resolve));
        } catch (err) {
          if (closing) return;
          node.error(errorText(err));
          show(errorStatus(err, failureText(err, t)));
          await pause();
        }
      }
    }
    void consume();

    async function control({ action, offset }: { action?: unknown; offset?: unknown }): Promise<void> {
      if (action === 'pause') topic.pause();
      else if (action === 'resume') topic.resume();
      else if (action === 'seek') await topic.seek(offset as Offset);
      else node.warn(t('slipstream-topic-in.errors.unknown-action', { action: JSON.stringify(action) }));
    }

    // One control message at a time, in arrival order: a seek takes a moment,
    // and the resume that follows it must not let records through before it.
    let controls: Promise<void> = Promise.resolve();
    node.on('input', (msg: NodeMessageInFlow & { action?: unknown; offset?: unknown }, _send, done) => {
      controls = controls.then(() => control(msg)).then(
        () => done(),
        (err: Error) => done(err),
      );
    });

    node.on('close', (removed: boolean, done: () => void) => {
      closing = true;
      releaseHooks();
      forgetOriginsOf(node); // unfinished records are not committed: they come again
      restores.clear();
      void topic
        .close()
        // The store's caches close (writing and logging what they buffered): another topic-in may follow it.
        .then(() => store?.unfollow(follower))
        .then(() => store?.deregister(storeUser, removed))
        .then(() => broker.deregister(user, removed))
        .then(() => {
          node.status({});
          done();
        });
    });
  }
  RED.nodes.registerType('slipstream-topic-in', SlipstreamTopicIn as never);

  /**
   * The store whose state follows topic-in's partitions: undefined for none
   * (also for a store that does not log changes: a warning), null when the
   * node cannot work with it (it refused).
   */
  function storeToFollow(node: Node, def: TopicInDef, several: boolean): SharedStore | undefined | null {
    if (!def.store) return undefined;
    const config = RED.nodes.getNode(def.store) as (Node & StoreConfig) | null;
    if (!config?.store) {
      refuse(node, new Error(t('slipstream-topic-in.errors.no-store')), errorStatus(t('slipstream-topic-in.status.no-store')));
      return null;
    }
    const name = config.name || config.store.path;
    if (!config.store.changelog) {
      node.warn(t('slipstream-topic-in.errors.store-not-logged', { store: name }));
      return undefined;
    }
    if (several) {
      refuse(node, new Error(t('slipstream-topic-in.errors.store-several-topics', { store: name })), errorStatus(t('slipstream-topic-in.status.store-several-topics')));
      return null;
    }
    if (!def.groupId) {
      refuse(node, new Error(t('slipstream-topic-in.errors.store-default-group', { store: name })), errorStatus(t('slipstream-topic-in.status.store-default-group')));
      return null;
    }
    return config.store;
  }

  function SlipstreamTopicOut(this: Node, def: TopicOutDef): void {
    RED.nodes.createNode(this, def);
    const node = this;
    const broker = brokerOf(node, def, 'slipstream-topic-out');
    if (!broker) return;
    const deliveryTimeout = def.deliveryTimeout === undefined || def.deliveryTimeout === '' ? undefined : Number(def.deliveryTimeout);
    if (deliveryTimeout !== undefined && !(deliveryTimeout > 0)) {
      const error = new Error(t('slipstream-topic-out.errors.invalid-timeout', { value: JSON.stringify(def.deliveryTimeout) }));
      refuse(node, error, errorStatus(t('slipstream-topic-out.status.invalid-timeout')));
      return;
    }
    const compression = (def.compression || 'none') as Compression;
    if (!COMPRESSIONS.includes(compression)) {
      const error = new Error(t('slipstream-topic-out.errors.invalid-compression', { value: JSON.stringify(def.compression), known: COMPRESSIONS.join(', ') }));
      refuse(node, error, errorStatus(t('slipstream-topic-out.status.invalid-compression')));
      return;
    }
    const ackOutput = Number(def.outputs) > 0;
    const topics = new Map<string, Topic>();
    const conf: TopicConf = {
      acks: def.acks === '' || def.acks === undefined ? -1 : Number(def.acks),
      compression,
      deliveryTimeout: deliveryTimeout === undefined ? undefined : deliveryTimeout * 1_000,
    };
    const retries = new RetryStatus(node, t);
    let closing = false;
    // The broker's connection state shows before the first message (10-mqtt's users do the same).
    const user: BrokerUser = {
      id: node.id,
      onState: (state) => {
        if (!closing) retries.broker(brokerStatus(state, t));
      },
    };
    broker.register(user);

    function topicFor(name: string): Topic {
      let topic = topics.get(name);
      if (!topic) {
        topic = new Topic(name, conf, {
          connection: broker!.connection(),
          codec: codecOf(def.codec),
          logger: nodeLogger(RED.log, node),
          onProduceRetry: (retrying) => retries.update(name, retrying),
        });
        topics.set(name, topic);
      }
      return topic;
    }

    /** The acknowledgement of the records queued last, and their messages: one reaction per produce request. */
    let watched: { acked: Promise<void>; msgs: NodeMessage[] } | undefined;

    /** Status per request; on a failure Catch nodes get each of its messages (they were done already). */
    function watch(acked: Promise<void>, msg: NodeMessage): void {
      if (watched?.acked !== acked) {
        const msgs: NodeMessage[] = [];
        watched = { acked, msgs };
        acked.then(
          () => retries.delivered(),
          (err: unknown) => {
            retries.failed(err);
            for (const failed of msgs) node.error(errorText(err), failed);
          },
        );
      }
      watched.msgs.push(msg);
    }

    node.on('input', (msg: NodeMessageInFlow & { key?: unknown; headers?: unknown; partition?: unknown; kafka?: unknown }, send, done) => {
      const name = def.topic || (typeof msg.topic === 'string' ? msg.topic : '');
      if (!name) {
        done(new Error(t('slipstream-topic-out.errors.no-topic')));
        return;
      }
      const partition = msg.partition === undefined || msg.partition === null || msg.partition === '' ? undefined : Number(msg.partition);
      const record = { key: msg.key as string | Buffer | number | null | undefined, value: msg.payload, headers: msg.headers as never, partition };
      const failed = (err: Error): void => {
        retries.failed(err);
        done(err);
      };
      // As the handling of the message's record: exactly-once, the output joins its consumer's transaction.
      const origin = originOf(msg);
      if (!ackOutput && origin) {
        // A topic-in record's message: queued, the acknowledgement goes to the record's commit, and the flow goes on.
        const handOver = ({ acked }: Accepted): void => {
          handOverAck(origin, acked);
          watch(acked, msg);
          done();
        };
        let accepted: Accepted | Promise<Accepted>;
        try {
          accepted = inOriginOf(origin, msg, () => topicFor(name).enqueue(record));
        } catch (err) {
          failed(err as Error);
          return;
        }
        if (accepted instanceof Promise) accepted.then(handOver, failed);
        else handOver(accepted);
        return;
      }
      inOriginOf(origin, msg, () => topicFor(name).produce(record)).then((produced) => {
        retries.delivered();
        if (ackOutput && produced) {
          msg.kafka = { topic: name, partition: produced.partition, offset: produced.offset };
          send(msg);
        }
        done();
      }, failed);
    });

    node.on('close', (removed: boolean, done: () => void) => {
      closing = true;
      retries.stop();
      const closingTopics = [...topics.values()].map((topic) => topic.close());
      topics.clear();
      void Promise.all(closingTopics)
        .then(() => broker.deregister(user, removed))
        .then(() => {
          node.status({});
          done();
        });
    });
  }
  RED.nodes.registerType('slipstream-topic-out', SlipstreamTopicOut as never);
};
