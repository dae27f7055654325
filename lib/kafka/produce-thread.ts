import * as path from 'node:path';
import { type ResourceLimits, Worker } from 'node:worker_threads';
import type { Message } from 'kafkajs';
import type { Logger } from '../log';
import { fromErrorChain } from './error-chain';
import { packMessages } from './packed-messages';
import {
  type FromProduceThread,
  type ProduceThreadConfig,
  type ToProduceThread,
  type TransactionalRef,
  type TransactionCommand,
  unpackPositions,
} from './produce-protocol';
import type { Produced } from './produced';

/** One produce request: resolves once the broker acknowledged every message (per `acks`), with where each went. */
export interface ProduceRequest {
  topic: string;
  acks: number;
  compression: number;
  messages: Message[];
}

/** Where a connection's produce requests go: a `ProduceThread`, or a producer on this thread. */
export interface RecordSender {
  /** Each message's partition and offset, in the order of `request.messages`. */
  send(request: ProduceRequest): Promise<Produced[]>;
  /** Sends still waiting fail; never throws. */
  close(): Promise<void>;
}

/** A produce request in a transaction: always acknowledged by all in-sync replicas (idempotence needs it). */
export type TransactionalProduceRequest = Omit<ProduceRequest, 'acks'>;

/**
 * Where a connection's producers live, as its senders see it: the
 * `ProduceThread`, or a `ProducerHost` on this thread. Both run the same
 * commands (lib/kafka/producer-host.ts).
 */
export interface ProducerTransport extends RecordSender {
  /** Sends in the open transaction of `ref`'s producer. */
  sendInTransaction(ref: TransactionalRef, request: TransactionalProduceRequest): Promise<Produced[]>;
  transaction(ref: TransactionalRef, command: TransactionCommand): Promise<void>;
}

/** How long `close()` lets the thread disconnect its producer before it is terminated. */
const CLOSE_WAIT_MS = 10_000;

interface Waiting {
  resolve: (produced: Produced[] | undefined) => void;
  reject: (error: Error) => void;
}

/**
 * A kafkajs producer on a worker thread (lib/kafka/produce-worker.ts), so
 * that building, partitioning and writing produce requests (a quarter of a
 * stateful pipeline's main-thread time with the producer on the main thread)
 * use another core. Messages cross as one transferred buffer per request
 * (`packMessages`); failures come back as errors with the fields
 * `isTransient` reads, and the client's log lines as the connection's log
 * lines. The thread starts with the first request and does not keep the
 * process alive while nothing is waiting for it. A thread that dies fails
 * what was waiting (and the transactions open in it: a command for one
 * then fails); the next request starts a new one.
 */
export class ProduceThread implements ProducerTransport {
  private worker: Worker | undefined;
  private nextId = 0;
  private readonly waiting = new Map<number, Waiting>();
  private closing: Promise<void> | undefined;

  constructor(
    private readonly config: ProduceThreadConfig,
    private readonly logger: Logger,
    /** The thread's V8 limits (conf `produceThreadResourceLimits`). */
    private readonly resourceLimits: ResourceLimits = {},
  ) {}

  send({ topic, acks, compression, messages }: ProduceRequest): Promise<Produced[]> {
    const packed = packMessages(messages);
    return this.request((id) => ({ type: 'send', id, topic, acks, compression, messages: packed }), [packed.bytes]) as Promise<Produced[]>;
  }

  sendInTransaction(transactional: TransactionalRef, { topic, compression, messages }: TransactionalProduceRequest): Promise<Produced[]> {
    const packed = packMessages(messages);
    return this.request((id) => ({ type: 'send', id, topic, acks: -1, compression, messages: packed, transactional }), [packed.bytes]) as Promise<Produced[]>;
  }

  async transaction(transactional: TransactionalRef, command: TransactionCommand): Promise<void> {
    await this.request((id) => ({ type: 'transaction', id, transactional, command }));
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      const worker = this.worker;
      if (!worker) return;
      worker.ref(); // until it has disconnected
      const closed = new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, CLOSE_WAIT_MS);
        const done = (): void => (clearTimeout(timer), resolve());
        worker.on('message', (message: FromProduceThread) => message.type === 'closed' && done());
        worker.once('exit', done);
      });
      worker.postMessage({ type: 'close' } satisfies ToProduceThread);
      await closed;
      await worker.terminate();
    })();
    return this.closing;
  }

  /** Posts the request made for the next id; resolves with the positions of a send, nothing for a transaction command. */
  private request(make: (id: number) => ToProduceThread, transfer: ArrayBuffer[] = []): Promise<Produced[] | undefined> {
    if (this.closing) return Promise.reject(new Error('the produce thread was closed (the connection is closing)'));
    const worker = this.started();
    const id = ++this.nextId;
    return new Promise<Produced[] | undefined>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      if (this.waiting.size === 1) worker.ref();
      worker.postMessage(make(id), transfer);
    });
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(path.join(__dirname, 'produce-worker.js'), { workerData: this.config, resourceLimits: this.resourceLimits });
    worker.unref();
    worker.on('message', (message: FromProduceThread) => this.receive(worker, message));
    worker.on('error', (error) => this.lost(worker, error));
    worker.on('exit', (code) => this.lost(worker, new Error(`the produce thread ended (exit code ${code})`)));
    this.worker = worker;
    return worker;
  }

  private receive(worker: Worker, message: FromProduceThread): void {
    if (message.type === 'log') {
      this.logger[message.level](message.message);
    } else if (message.type !== 'closed') {
      const waiting = this.waiting.get(message.id);
      if (!waiting) return;
      this.waiting.delete(message.id);
      if (this.waiting.size === 0 && !this.closing) worker.unref();
      if (message.type === 'failed') waiting.reject(fromErrorChain(message.error));
      else waiting.resolve(message.type === 'sent' ? unpackPositions(message.positions) : undefined);
    }
  }

  /** The thread failed or ended: what waited for it fails, and the next request starts another. */
  private lost(worker: Worker, error: Error): void {
    if (this.worker !== worker) return;
    this.worker = undefined;
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    for (const { reject } of waiting) reject(error);
  }
}
