import type { Kafka, Producer, ProducerConfig, Transaction } from 'kafkajs';
import { createProducer } from './client';
import type { TransactionalRef, TransactionCommand, TransactionOffsets } from './produce-protocol';
import type { ProduceRequest, ProducerTransport, TransactionalProduceRequest } from './produce-thread';
import { type Produced, producedPositions } from './produced';

/**
 * The producers of one connection, where they live: on the produce thread
 * (lib/kafka/produce-worker.ts runs the commands `ProduceThread` posts), or
 * on the main thread with conf `produceThread: false` (the connection calls
 * it directly). The plain producer sends what is produced outside
 * transactions; each `TransactionalSender` has a transactional producer of
 * its own here, made on its first command.
 */
export class ProducerHost implements ProducerTransport {
  private readonly transactional = new Map<number, TransactionalProducer>();
  private closed = false;

  constructor(
    private readonly plain: () => Promise<Producer>,
    private readonly createTransactional: (transactionalId: string) => Producer,
  ) {}

  async send({ topic, acks, compression, messages }: ProduceRequest): Promise<Produced[]> {
    return producedPositions(messages, await (await this.plain()).send({ topic, acks, compression, messages }));
  }

  async sendInTransaction(ref: TransactionalRef, request: TransactionalProduceRequest): Promise<Produced[]> {
    return this.producerOf(ref).send(request);
  }

  async transaction(ref: TransactionalRef, command: TransactionCommand): Promise<void> {
    if (command.op === 'close') {
      const producer = this.transactional.get(ref.sender);
      this.transactional.delete(ref.sender);
      return producer?.close();
    }
    const producer = this.producerOf(ref);
    return command.op === 'sendOffsets' ? producer.sendOffsets(command.offsets) : producer[command.op]();
  }

  /** Closes the transactional producers (aborting open transactions); the plain producer is its owner's. */
  async close(): Promise<void> {
    this.closed = true;
    const producers = [...this.transactional.values()];
    this.transactional.clear();
    await Promise.allSettled(producers.map((p) => p.close()));
  }

  private producerOf({ sender, transactionalId }: TransactionalRef): TransactionalProducer {
    if (this.closed) throw new Error('the producers were closed (the connection is closing)');
    let producer = this.transactional.get(sender);
    if (!producer) {
      producer = new TransactionalProducer(() => this.createTransactional(transactionalId));
      this.transactional.set(sender, producer);
    }
    return producer;
  }
}

/**
 * A kafkajs producer for transactions: idempotent, one request in flight (as
 * kafkajs requires for transactions), `transactionalId` set. The producer's
 * retries stay bounded by the connection's `retry`: a send that fails in a
 * transaction fails the transaction (`commit` aborts it), so this cannot
 * break exactly-once (kafkajs warns about it; see `kafkaLogTo`).
 */
export function createTransactionalProducer(kafka: Kafka, config: ProducerConfig, transactionalId: string): Producer {
  return createProducer(kafka, { ...config, transactionalId, idempotent: true, maxInFlightRequests: 1 });
}

/**
 * Thrown where the producers live when a command needs an open transaction
 * and there is none: only after the produce thread died and a new one took
 * its place (`TransactionalSender` lets no command through out of turn).
 */
function lostTransaction(): Error {
  return new Error('the transaction is lost: its producer was restarted (the produce thread ended); begin a new one');
}

/** How long `whileConcurrent` tries again: the broker completes a transaction within milliseconds. */
const CONCURRENT_RETRY_MS = 10_000;

/**
 * Runs `step` again while the broker answers CONCURRENT_TRANSACTIONS: right
 * after a commit or abort the broker is still writing its markers and refuses
 * the next transaction's first offsets meanwhile. kafkajs retries this answer
 * when it registers partitions, but not in `sendOffsets`.
 */
async function whileConcurrent<T>(step: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + CONCURRENT_RETRY_MS;
  for (let wait = 10; ; wait = Math.min(wait * 2, 500)) {
    try {
      return await step();
    } catch (error) {
      if ((error as { type?: unknown }).type !== 'CONCURRENT_TRANSACTIONS' || Date.now() + wait > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/** The transaction a producer has open, and what was sent in it. */
class OpenTransaction {
  /** Sends and offsets of the transaction not settled yet. */
  private readonly pending = new Set<Promise<unknown>>();
  private failure: Error | undefined;

  constructor(readonly started: Promise<Transaction>) {}

  /** Runs `step` once the transaction has started; a failure keeps the transaction from being committed. */
  run<T>(step: (transaction: Transaction) => Promise<T>): Promise<T> {
    const running = this.started.then(step);
    this.pending.add(running);
    running.then(
      () => this.pending.delete(running),
      (error: unknown) => {
        this.pending.delete(running);
        this.failure ??= error instanceof Error ? error : new Error(String(error));
      },
    );
    return running;
  }

  /** Once every step settled: the first failure, if any. */
  async settled(): Promise<Error | undefined> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
    return this.failure;
  }
}

/**
 * One transactional producer and its open transaction. Commands arrive in the
 * caller's order and take effect in it: `begin` opens the transaction at once
 * (sends that follow wait until the broker started it), `commit` and `abort`
 * first wait for the sends before them.
 */
class TransactionalProducer {
  private connected: Promise<Producer> | undefined;
  private open: OpenTransaction | undefined;

  constructor(private readonly create: () => Producer) {}

  async begin(): Promise<void> {
    const open = new OpenTransaction(this.connect().then((producer) => producer.transaction()));
    this.open = open;
    try {
      await open.started;
    } catch (error) {
      if (this.open === open) this.open = undefined;
      this.reset(); // connect again next time
      throw error;
    }
  }

  async send({ topic, compression, messages }: TransactionalProduceRequest): Promise<Produced[]> {
    // acks: all brokers, as idempotence requires (kafkajs rejects anything else).
    return this.current().run(async (transaction) => producedPositions(messages, await transaction.send({ topic, acks: -1, compression, messages })));
  }

  async sendOffsets({ consumerGroupId, topics }: TransactionOffsets): Promise<void> {
    const kafkajsTopics = topics.map(({ topic, partitions }) => ({ topic, partitions: partitions.map(({ partition, offset }) => ({ partition, offset: String(offset) })) }));
    return this.current().run((transaction) => whileConcurrent(() => transaction.sendOffsets({ consumerGroupId, topics: kafkajsTopics })));
  }

  /** Commits once every send of the transaction succeeded; if one failed, aborts instead and rejects with it. */
  commit(): Promise<void> {
    return this.end('commit');
  }

  /** Nothing to abort when the transaction was lost with its thread: the broker aborts it when this producer begins (or at its timeout). */
  async abort(): Promise<void> {
    if (this.open) await this.end('abort');
  }

  /** Aborts an open transaction (so that readers need not wait for its timeout) and disconnects; never throws. */
  async close(): Promise<void> {
    if (this.open) await this.end('abort').catch(() => undefined);
    const connected = this.connected;
    this.connected = undefined;
    await connected?.then((producer) => producer.disconnect()).catch(() => undefined);
  }

  private current(): OpenTransaction {
    if (!this.open) throw lostTransaction();
    return this.open;
  }

  private async end(op: 'commit' | 'abort'): Promise<void> {
    const open = this.current();
    this.open = undefined; // what follows belongs to the next transaction
    const transaction = await open.started;
    const failure = await open.settled();
    if (op === 'commit' && failure) {
      await this.finish(transaction, 'abort');
      throw new Error(`the transaction was aborted, not committed: a send in it failed: ${failure.message}`, { cause: failure });
    }
    await this.finish(transaction, op);
  }

  /** Commit or abort; when that fails, kafkajs cannot go on with this producer: the next `begin` makes a new one. */
  private async finish(transaction: Transaction, op: 'commit' | 'abort'): Promise<void> {
    try {
      await transaction[op]();
    } catch (error) {
      this.reset();
      throw error;
    }
  }

  private connect(): Promise<Producer> {
    if (!this.connected) {
      const producer = this.create();
      this.connected = producer.connect().then(() => producer);
    }
    return this.connected;
  }

  /**
   * Forget the producer: the next `begin` makes a new one with the same
   * transactional id, whose registration with the broker aborts whatever
   * transaction the old one left open.
   */
  private reset(): void {
    const connected = this.connected;
    this.connected = undefined;
    void connected?.then((producer) => producer.disconnect()).catch(() => undefined);
  }
}
