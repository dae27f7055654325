import type { ConsumerConfig, KafkaConfig, ProducerConfig, SASLOptions } from 'kafkajs';
import type { ConnectionOptions } from 'node:tls';
import type { ResourceLimits } from 'node:worker_threads';
import { type Compression, compressionType } from './compression';
import { DEFAULT_DELIVERY_TIMEOUT_MS } from './delivery';

/**
 * Records sent without waiting wait this long for more to share a request
 * (conf `linger`): at 5 ms a Node-RED flow at 50,000 records/s sent 1,500
 * requests of 300 records per 500,000, each one a wake-up of the produce
 * thread and back; at 20 ms about 400.
 */
const DEFAULT_LINGER_MS = 20;

/**
 * Topic configuration: kafkajs-flavoured keys, with the seed's aiokafka
 * keys accepted as aliases. Everything is optional here; `resolveTopicConf`
 * fills in defaults and checks what is required.
 */
export interface TopicConf {
  brokers?: string[] | string;
  clientId?: string;
  groupId?: string;
  groupInstanceId?: string;
  fromBeginning?: boolean;
  ssl?: boolean | ConnectionOptions;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
  connectionTimeout?: number;
  requestTimeout?: number;
  /** Give up connecting after this many ms in total (retries included). */
  retryTimeout?: number;
  sessionTimeout?: number;
  rebalanceTimeout?: number;
  heartbeatInterval?: number;
  /**
   * Bytes one fetch asks for per partition, at most (default 128 KiB; kafkajs's
   * own default is 1 MiB). kafkajs decodes a whole fetch response into message
   * objects at once, about 450 bytes of heap per small record, and the heap
   * grows to a few times what is live between full collections: this bounds
   * the records fetched ahead of the handler (and so the process's memory).
   */
  maxBytesPerPartition?: number;
  /** Bytes one fetch asks for over all partitions, at most (default 10 MiB, as kafkajs). */
  maxBytes?: number;
  maxWaitTimeInMs?: number;
  /** Partitions for topics this client creates when they are missing. */
  numPartitions?: number;
  acks?: number;
  /**
   * How long a produced record may take to be acknowledged, retries included
   * (ms, Kafka's `delivery.timeout.ms`; default 120 000): while the broker is
   * unreachable a record is retried until then, and fails after it.
   */
  deliveryTimeout?: number;
  /**
   * How long records sent without waiting for their acknowledgement (`handle`
   * sinks, Node-RED's topic-out) wait for more to share a produce request
   * (ms, Kafka's `linger.ms`; default 20, or half of a shorter
   * `deliveryTimeout`; 0: none; below `deliveryTimeout`). A record someone awaits
   * (`await topic(…)`) is sent at once. Fewer, larger requests cost less per
   * record; Kafka Streams lingers 100 ms, Kafka's producer 5.
   */
  linger?: number;
  /**
   * How produced record batches are compressed (default `none`). gzip is
   * built in; snappy, lz4 and zstd use optional dependencies (kafkajs-snappy,
   * @2l/kafkajs-lz4, @mongodb-js/zstd), which also read what other clients
   * wrote with them.
   */
  compression?: Compression;
  /**
   * Encode and send produce requests on a worker thread (default true), so
   * that they use another core than the handlers. Without it, or when the
   * connection settings cannot be passed to a thread (e.g. `ssl` with
   * functions), they run on the main thread.
   */
  produceThread?: boolean;
  /**
   * Fetch and decode a consumer's records on a worker thread of its own
   * (default true), so that this work and its garbage stay off the thread
   * that runs the handlers; records are made one by one as they are handed
   * out. Without it, or when the connection settings cannot be passed to a
   * thread (e.g. `ssl` with functions), the consumer runs on the main thread.
   */
  consumeThread?: boolean;
  /**
   * The produce thread's V8 limits (Node's worker `resourceLimits`), merged
   * over the default `{ maxYoungGenerationSizeMb: 16 }`: its young generation
   * holds only the requests on their way, and V8's default (48 MB) cost
   * 15–40 MB more peak RSS in the benchmark. A thread over `maxOldGenerationSizeMb` ends, and
   * what it was sending fails.
   */
  produceThreadResourceLimits?: ResourceLimits;
  autoCommitInterval?: number;
  /**
   * What the consumer reads of records produced in Kafka transactions:
   * `read_committed` (default, as kafkajs) only those of committed
   * transactions, and each in-transaction record once its transaction is
   * committed (nothing past the oldest open transaction is handed out);
   * `read_uncommitted` everything written, also what aborted transactions
   * wrote. (aiokafka's and Java's default is `read_uncommitted`; the seed's
   * `isolation_level` is accepted too.) Records produced outside transactions
   * are read either way.
   */
  isolation?: Isolation;
  /** What to do with a record the codec cannot decode: log and skip it, or stop the stream. */
  onDecodeError?: 'skip' | 'stop';
  /**
   * `at-least-once` (default): a record is committed once its outputs were
   * acknowledged and its state flushed; after a crash, records since the last
   * commit are handled again. `exactly-once` (a consumer with a `groupId`):
   * the outputs, the changelog writes and the consumed offsets of each commit
   * interval are committed in one Kafka transaction; readers of the outputs
   * see each result once with `read_committed`.
   */
  processingGuarantee?: ProcessingGuarantee;
  /**
   * The transactional id of an exactly-once consumer's producer (default
   * `<groupId>-<topic>-<random>`, new per start). A stable id per instance
   * lets a restarted instance abort its predecessor's open transaction at
   * once instead of after `transactionTimeout`.
   */
  transactionalId?: string;
  /** How long the broker lets an exactly-once transaction stay open before it aborts it (ms; default 10 000). */
  transactionTimeout?: number;
  // The seed's aiokafka names.
  bootstrap_servers?: string[] | string;
  client_id?: string;
  group_id?: string;
  group_instance_id?: string;
  auto_offset_reset?: 'earliest' | 'latest';
  security_protocol?: 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
  sasl_mechanism?: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  sasl_plain_username?: string;
  sasl_plain_password?: string;
  isolation_level?: Isolation;
}

export type Isolation = 'read_committed' | 'read_uncommitted';
export const ISOLATIONS: readonly Isolation[] = ['read_committed', 'read_uncommitted'];

export interface ResolvedConf {
  kafka: KafkaConfig;
  consumer?: ConsumerConfig;
  producer: ProducerConfig;
  fromBeginning: boolean;
  numPartitions: number;
  acks: number;
  deliveryTimeout: number;
  linger: number;
  compression: Compression;
  produceThread: boolean;
  produceThreadResourceLimits: ResourceLimits;
  consumeThread: boolean;
  autoCommitInterval: number;
  onDecodeError: 'skip' | 'stop';
  /** The consumer's kafkajs setting for `isolation` (also in `consumer`). */
  readUncommitted: boolean;
  processingGuarantee: ProcessingGuarantee;
  transactionalId: string | undefined;
  transactionTimeout: number;
}

export const DEFAULT_MAX_BYTES_PER_PARTITION = 131_072;
export const DEFAULT_MAX_BYTES = 10_485_760;
export const DEFAULT_PRODUCE_THREAD_RESOURCE_LIMITS: Readonly<ResourceLimits> = { maxYoungGenerationSizeMb: 16 };
const RESOURCE_LIMITS = ['maxYoungGenerationSizeMb', 'maxOldGenerationSizeMb', 'codeRangeSizeMb', 'stackSizeMb'];

/** `limits` over the default, or a RangeError naming what is wrong. */
function produceThreadResourceLimits(limits: ResourceLimits = {}): ResourceLimits {
  for (const [name, value] of Object.entries(limits)) {
    if (!RESOURCE_LIMITS.includes(name)) throw new RangeError(`produceThreadResourceLimits: unknown limit ${name} (known: ${RESOURCE_LIMITS.join(', ')})`);
    if (typeof value !== 'number' || !(value > 0)) throw new RangeError(`produceThreadResourceLimits.${name} must be a positive number of MB, got: ${String(value)}`);
  }
  return { ...DEFAULT_PRODUCE_THREAD_RESOURCE_LIMITS, ...limits };
}

export type ProcessingGuarantee = 'at-least-once' | 'exactly-once';
const GUARANTEES: ReadonlySet<string> = new Set<ProcessingGuarantee>(['at-least-once', 'exactly-once']);

const KNOWN_KEYS = new Set<string>([
  'brokers', 'clientId', 'groupId', 'groupInstanceId', 'fromBeginning', 'ssl', 'sasl', 'connectionTimeout',
  'requestTimeout', 'retryTimeout', 'sessionTimeout', 'rebalanceTimeout', 'heartbeatInterval',
  'maxBytesPerPartition', 'maxBytes', 'maxWaitTimeInMs', 'numPartitions', 'acks', 'deliveryTimeout', 'linger', 'compression', 'produceThread', 'consumeThread',
  'produceThreadResourceLimits', 'autoCommitInterval',
  'isolation', 'onDecodeError', 'processingGuarantee', 'transactionalId', 'transactionTimeout', 'bootstrap_servers', 'client_id', 'group_id',
  'group_instance_id', 'auto_offset_reset', 'security_protocol', 'sasl_mechanism', 'sasl_plain_username', 'sasl_plain_password', 'isolation_level',
]);

/** Keys of `conf` that this library does not know. */
export function unknownKeys(conf: object): string[] {
  return Object.keys(conf).filter((key) => !KNOWN_KEYS.has(key));
}

function brokerList(value: string[] | string | undefined): string[] {
  const list = Array.isArray(value) ? value : (value ?? '').split(',');
  return list.map((b) => b.trim()).filter((b) => b.length > 0);
}

function saslOf(conf: TopicConf): SASLOptions | undefined {
  if (conf.sasl) return conf.sasl as SASLOptions;
  const protocol = conf.security_protocol ?? '';
  if (!protocol.startsWith('SASL_')) return undefined;
  const mechanism = (conf.sasl_mechanism ?? 'PLAIN').toLowerCase() as 'plain' | 'scram-sha-256' | 'scram-sha-512';
  return { mechanism, username: conf.sasl_plain_username ?? '', password: conf.sasl_plain_password ?? '' } as SASLOptions;
}

function sslOf(conf: TopicConf): KafkaConfig['ssl'] {
  if (conf.ssl !== undefined) return conf.ssl;
  const protocol = conf.security_protocol;
  return protocol === 'SSL' || protocol === 'SASL_SSL' ? true : undefined;
}

/**
 * Merge the seed's aliases into kafkajs settings. The kafkajs name wins when
 * both are given.
 */
export function resolveTopicConf(conf: TopicConf): ResolvedConf {
  const brokers = brokerList(conf.brokers ?? conf.bootstrap_servers);
  if (brokers.length === 0) {
    throw new Error('No Kafka brokers configured: set `brokers` (or `bootstrap_servers`), e.g. ["127.0.0.1:9092"]');
  }
  const retryTimeout = conf.retryTimeout ?? 30_000;
  const deliveryTimeout = conf.deliveryTimeout ?? DEFAULT_DELIVERY_TIMEOUT_MS;
  if (typeof deliveryTimeout !== 'number' || !(deliveryTimeout > 0)) {
    throw new RangeError(`deliveryTimeout must be a positive number of milliseconds, got: ${String(deliveryTimeout)}`);
  }
  // The default gives way to a short deliveryTimeout (a Node-RED topic-out may set one of 10 ms).
  const linger = conf.linger ?? Math.min(DEFAULT_LINGER_MS, deliveryTimeout / 2);
  if (typeof linger !== 'number' || !(linger >= 0) || !(linger < deliveryTimeout)) {
    throw new RangeError(`linger must be a number of milliseconds, 0 or more and below deliveryTimeout (${deliveryTimeout}), got: ${String(linger)}`);
  }
  const processingGuarantee = conf.processingGuarantee ?? 'at-least-once';
  if (!GUARANTEES.has(processingGuarantee)) {
    throw new RangeError(`processingGuarantee must be 'at-least-once' or 'exactly-once', got: ${String(processingGuarantee)}`);
  }
  const transactionTimeout = conf.transactionTimeout ?? 10_000;
  if (typeof transactionTimeout !== 'number' || !(transactionTimeout > 0)) {
    throw new RangeError(`transactionTimeout must be a positive number of milliseconds, got: ${String(transactionTimeout)}`);
  }
  const compression = conf.compression ?? 'none';
  compressionType(compression); // a RangeError naming an unknown one
  const isolation = conf.isolation ?? conf.isolation_level ?? 'read_committed';
  if (!ISOLATIONS.includes(isolation as Isolation)) {
    throw new RangeError(`isolation must be 'read_committed' or 'read_uncommitted', got: ${String(isolation)}`);
  }
  const readUncommitted = isolation === 'read_uncommitted';
  const kafka: KafkaConfig = {
    brokers,
    clientId: conf.clientId ?? conf.client_id ?? 'slipstream',
    ssl: sslOf(conf),
    sasl: saslOf(conf),
    connectionTimeout: conf.connectionTimeout ?? 3_000,
    requestTimeout: conf.requestTimeout ?? 30_000,
    // Bounded: a connection attempt fails after about `retryTimeout` ms (a produce
    // request is then sent again until its `deliveryTimeout` runs out).
    retry: { maxRetryTime: Math.max(1_000, retryTimeout / 4), retries: 5, initialRetryTime: 300 },
  };
  const groupId = conf.groupId ?? conf.group_id;
  const consumer: ConsumerConfig | undefined = groupId
    ? {
        groupId,
        sessionTimeout: conf.sessionTimeout ?? 30_000,
        rebalanceTimeout: conf.rebalanceTimeout ?? 60_000,
        heartbeatInterval: conf.heartbeatInterval ?? 3_000,
        maxBytesPerPartition: conf.maxBytesPerPartition ?? DEFAULT_MAX_BYTES_PER_PARTITION,
        maxBytes: conf.maxBytes ?? DEFAULT_MAX_BYTES,
        maxWaitTimeInMs: conf.maxWaitTimeInMs ?? 500,
        allowAutoTopicCreation: false,
        readUncommitted,
      }
    : undefined;
  return {
    kafka,
    consumer,
    // transactionTimeout: only transactional producers (exactly-once) use it.
    producer: { allowAutoTopicCreation: false, transactionTimeout },
    fromBeginning: conf.fromBeginning ?? conf.auto_offset_reset === 'earliest',
    numPartitions: conf.numPartitions ?? 1,
    acks: conf.acks ?? -1,
    deliveryTimeout,
    linger,
    compression,
    produceThread: conf.produceThread ?? true,
    produceThreadResourceLimits: produceThreadResourceLimits(conf.produceThreadResourceLimits),
    consumeThread: conf.consumeThread ?? true,
    autoCommitInterval: conf.autoCommitInterval ?? 1_000,
    onDecodeError: conf.onDecodeError ?? 'skip',
    readUncommitted,
    processingGuarantee,
    transactionalId: conf.transactionalId,
    transactionTimeout,
  };
}
