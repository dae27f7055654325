import type { Admin, Consumer, ConsumerConfig, Kafka, Producer } from 'kafkajs';
import type { Logger } from '../log';
import { ensureTopic } from './admin';
import { createKafka, createProducer } from './client';
import { isCloneable } from './cloneable';
import { ConsumeThread, type FeedConsumer } from './consume-thread';
import { type ResolvedConf, resolveTopicConf, type TopicConf } from './config';
import { ProduceThread, type ProducerTransport, type RecordSender } from './produce-thread';
import { createTransactionalProducer, ProducerHost } from './producer-host';
import { TransactionalSender } from './transaction';

/**
 * One Kafka client with a lazily started producer and admin, shared by every
 * `Topic` given it (a Node-RED broker config node shares one between all its
 * nodes). Consumers are per topic. A failed start is retried on the next use.
 */
export class KafkaConnection {
  private readonly kafka: Kafka;
  private producer: Promise<Producer> | undefined;
  private adminClient: Promise<Admin> | undefined;
  /** Where the producers live: the produce thread, or this thread. */
  private producers: ProducerTransport | undefined;
  private readonly ensured = new Map<string, Promise<void>>();
  /** Closed by its owner: a client started afterwards would never be closed. */
  private closed = false;

  constructor(
    readonly conf: ResolvedConf,
    private readonly logger: Logger,
  ) {
    this.kafka = createKafka(conf.kafka, logger);
  }

  /** A connection for `conf` (brokers, clientId, ssl, sasl, timeouts). */
  static fromConf(conf: TopicConf, logger: Logger): KafkaConnection {
    return new KafkaConnection(resolveTopicConf(conf), logger);
  }

  getProducer(): Promise<Producer> {
    if (this.closed) return Promise.reject(closedError());
    this.producer ??= this.startOnce(async () => {
      const producer = createProducer(this.kafka, this.conf.producer);
      await producer.connect();
      return producer;
    }, () => (this.producer = undefined));
    return this.producer;
  }

  /**
   * Where this connection's topics send what they produce: its produce thread
   * (conf `produceThread`, the default), or `getProducer()`'s producer.
   */
  sender(): RecordSender {
    return this.transport();
  }

  /**
   * A sender of Kafka transactions under `transactionalId`, with a producer
   * of its own where this connection's producers live (see
   * `TransactionalSender`). Each call makes a new one: a second sender with
   * the same id fences the first.
   */
  transactionalSender(transactionalId: string): TransactionalSender {
    return new TransactionalSender(this.transport(), transactionalId);
  }

  admin(): Promise<Admin> {
    if (this.closed) return Promise.reject(closedError());
    this.adminClient ??= this.startOnce(async () => {
      const admin = this.kafka.admin();
      await admin.connect();
      return admin;
    }, () => (this.adminClient = undefined));
    return this.adminClient;
  }

  /** A kafkajs consumer on this thread. */
  consumer(config: ConsumerConfig): Consumer {
    if (this.closed) throw closedError();
    return this.kafka.consumer(config);
  }

  /**
   * The consumer of a topic's `ConsumerFeed`: on a consume thread of its own
   * (conf `consumeThread`, the default), or on this thread.
   */
  feedConsumer(config: ConsumerConfig): FeedConsumer {
    if (this.closed) throw closedError();
    const threadConfig = { kafka: this.conf.kafka, consumer: config };
    if (this.conf.consumeThread && isCloneable(threadConfig)) return new ConsumeThread(threadConfig, this.logger);
    if (this.conf.consumeThread) this.logger.info('Kafka connection: the settings cannot be passed to a consume thread (they hold functions): consuming on the main thread');
    return this.kafka.consumer(config);
  }

  /** Create `topic` unless it exists (once per connection). */
  ensureTopic(topic: string, numPartitions: number): Promise<void> {
    let ready = this.ensured.get(topic);
    if (!ready) {
      ready = (async () => ensureTopic(await this.admin(), topic, numPartitions))();
      this.ensured.set(topic, ready);
      ready.catch(() => this.ensured.delete(topic));
    }
    return ready;
  }

  /** Disconnect producers and admin for good (a sender still waiting then fails, an open transaction is aborted); never throws. */
  async close(): Promise<void> {
    this.closed = true;
    const { producer, adminClient, producers } = this;
    this.producer = this.adminClient = this.producers = undefined;
    this.ensured.clear();
    await Promise.allSettled([producer?.then((p) => p.disconnect()), adminClient?.then((a) => a.disconnect()), producers?.close()]);
  }

  private transport(): ProducerTransport {
    if (this.closed) throw closedError();
    this.producers ??= this.startTransport();
    return this.producers;
  }

  private startTransport(): ProducerTransport {
    const config = { kafka: this.conf.kafka, producer: this.conf.producer };
    if (this.conf.produceThread && isCloneable(config)) return new ProduceThread(config, this.logger, this.conf.produceThreadResourceLimits);
    if (this.conf.produceThread) this.logger.info('Kafka connection: the settings cannot be passed to a produce thread (they hold functions): producing on the main thread');
    return new ProducerHost(
      () => this.getProducer(),
      (transactionalId) => createTransactionalProducer(this.kafka, this.conf.producer, transactionalId),
    );
  }

  private startOnce<T>(start: () => Promise<T>, forget: () => void): Promise<T> {
    const started = start();
    started.catch(forget);
    return started;
  }
}

function closedError(): Error {
  return new Error('the Kafka connection was closed (the node or program is stopping)');
}
