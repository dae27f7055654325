import type { TransactionalRef, TransactionOffsets } from './produce-protocol';
import type { ProducerTransport, TransactionalProduceRequest } from './produce-thread';
import type { Produced } from './produced';

export type { TransactionOffsets } from './produce-protocol';
export type { TransactionalProduceRequest } from './produce-thread';

export type TransactionOperation = 'begin' | 'send' | 'sendOffsets' | 'commit' | 'abort';

/** `idle`: no transaction open; `open`: between `begin()` and `commit()`/`abort()`. */
export type TransactionState = 'idle' | 'open' | 'closed' | 'fenced';

/**
 * Another producer registered the same transactional id (a newer instance
 * took over the work): the broker aborted this sender's open transaction and
 * refuses all it sends. The sender is fenced for good; everything it is asked
 * afterwards rejects with this error too. Close it; do not make a new one
 * with the same id (that would fence the newer instance in turn).
 *
 * The broker gives kafkajs the same answer (INVALID_PRODUCER_EPOCH) when it
 * aborted a transaction that stayed open longer than the transaction timeout
 * (kafkajs's `transactionTimeout`, 60 s): keep commit intervals well below it.
 */
export class ProducerFencedError extends Error {
  constructor(
    readonly transactionalId: string,
    readonly operation: TransactionOperation,
    cause: Error,
  ) {
    super(`${operation}: the transactional producer "${transactionalId}" was fenced by a newer producer with the same transactional id; its transaction was aborted`, { cause });
    this.name = 'ProducerFencedError';
  }
}

/** A call out of turn: `send` before `begin`, `commit` with no open transaction, `begin` twice, or any call after `close()`. */
export class TransactionStateError extends Error {
  constructor(
    readonly transactionalId: string,
    readonly operation: TransactionOperation,
    readonly state: 'idle' | 'open' | 'closed',
  ) {
    super(
      state === 'closed'
        ? `${operation}: the transactional sender "${transactionalId}" was closed`
        : state === 'open'
          ? `begin: a transaction of "${transactionalId}" is already open: commit or abort it first`
          : `${operation} needs an open transaction of "${transactionalId}": call begin() first`,
    );
    this.name = 'TransactionStateError';
  }
}

/** The broker's answers to a producer whose epoch was superseded (older brokers and request versions send the first). */
const FENCED_TYPES = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED']);

/** Whether `error` (or an error in its `cause` chain, as kafkajs and the produce thread wrap it) says the producer was fenced. */
function isFencing(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    const type = (e as { type?: unknown }).type;
    if (typeof type === 'string' && FENCED_TYPES.has(type)) return true;
  }
  return false;
}

/** Process-wide, so that two senders never share a producer where the producers live. */
let lastSender = 0;

/**
 * Produces in Kafka transactions under one transactional id: what is sent
 * between `begin()` and `commit()`, and the consumer offsets given to
 * `sendOffsets()`, become visible to `read_committed` readers together, or
 * (`abort()`, or a failure) not at all. Made by
 * `KafkaConnection.transactionalSender(transactionalId)`; runs where the
 * connection's producers live (its produce thread, or this thread with
 * `produceThread: false`), on a kafkajs producer of its own.
 *
 * Calls may be made without waiting for the one before (begin, send, send,
 * sendOffsets, commit): they take effect in call order, and `commit()` waits
 * for the sends before it. When one of them failed, `commit()` aborts the
 * transaction instead and rejects with that failure. After `commit()` or
 * `abort()` settles — resolved or rejected — no transaction is open: a
 * rejected `commit()` means the transaction was aborted, or (the broker's
 * answer was lost) its outcome is unknown, so a caller starts again from the
 * group's committed offsets (admin `fetchOffsets`), not from its own idea of
 * them.
 *
 * Fencing: a second producer with the same transactional id fences this one
 * (`ProducerFencedError`). kafkajs's `sendOffsets` carries no consumer group
 * generation or member id (no KIP-447), so the broker cannot fence a zombie
 * by its group membership: only the transactional id does. Use one
 * transactional id per input partition (e.g. `<group>-<topic>-<partition>`)
 * or per stable instance (its `groupInstanceId`), so that whoever takes the
 * work over uses the id of the one it replaces.
 */
export class TransactionalSender {
  private state: TransactionState = 'idle';
  /** Why the sender was fenced. */
  private fencing: Error | undefined;
  private readonly ref: TransactionalRef;

  constructor(
    private readonly transport: ProducerTransport,
    readonly transactionalId: string,
  ) {
    if (typeof transactionalId !== 'string' || transactionalId.length === 0) {
      throw new TypeError(`a transactional id must be a non-empty string, got: ${String(transactionalId)}`);
    }
    this.ref = { sender: ++lastSender, transactionalId };
  }

  /** Opens a transaction (the first one also registers the transactional id with the broker, fencing older producers with it). */
  begin(): Promise<void> {
    return this.step('begin', 'idle', 'open', () => this.transport.transaction(this.ref, { op: 'begin' }));
  }

  /** Sends in the open transaction; resolves with each message's partition and offset once written (not yet committed). */
  send(request: TransactionalProduceRequest): Promise<Produced[]> {
    return this.step('send', 'open', 'open', () => this.transport.sendInTransaction(this.ref, request));
  }

  /** Commits `offsets` for a consumer group with the transaction (the next offset to read per partition). */
  async sendOffsets(offsets: TransactionOffsets): Promise<void> {
    checkOffsets(offsets); // before the step: a malformed call is no part of the transaction
    return this.step('sendOffsets', 'open', 'open', () => this.transport.transaction(this.ref, { op: 'sendOffsets', offsets }));
  }

  commit(): Promise<void> {
    return this.step('commit', 'open', 'idle', () => this.transport.transaction(this.ref, { op: 'commit' }));
  }

  abort(): Promise<void> {
    return this.step('abort', 'open', 'idle', () => this.transport.transaction(this.ref, { op: 'abort' }));
  }

  /** Aborts an open transaction and disconnects the producer; never throws. Later calls reject (`TransactionStateError`). */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    await this.transport.transaction(this.ref, { op: 'close' }).catch(() => undefined);
  }

  /** Runs `run` if the sender is in state `from`, moving to `to` at once: calls made meanwhile see the new state. */
  private async step<T>(operation: TransactionOperation, from: 'idle' | 'open', to: 'idle' | 'open', run: () => Promise<T>): Promise<T> {
    if (this.state === 'fenced') throw new ProducerFencedError(this.transactionalId, operation, this.fencing as Error);
    if (this.state !== from) throw new TransactionStateError(this.transactionalId, operation, this.state);
    this.state = to;
    try {
      return await run();
    } catch (error) {
      const state = this.state as TransactionState; // as other calls left it meanwhile
      if (state !== 'closed' && isFencing(error)) {
        this.state = 'fenced';
        this.fencing = error as Error;
        throw new ProducerFencedError(this.transactionalId, operation, error as Error);
      }
      if (operation === 'begin' && state === 'open') this.state = 'idle'; // no transaction was opened
      throw error;
    }
  }
}

/** A clear error for offsets kafkajs would send as they are (it checks nothing). */
function checkOffsets(offsets: TransactionOffsets): void {
  if (typeof offsets?.consumerGroupId !== 'string' || offsets.consumerGroupId.length === 0) {
    throw new TypeError(`sendOffsets needs a consumerGroupId (non-empty string), got: ${String(offsets?.consumerGroupId)}`);
  }
  if (!Array.isArray(offsets.topics)) throw new TypeError('sendOffsets needs topics: [{ topic, partitions: [{ partition, offset }] }]');
  for (const { topic, partitions } of offsets.topics) {
    if (typeof topic !== 'string' || topic.length === 0 || !Array.isArray(partitions)) {
      throw new TypeError(`sendOffsets: each topic needs a name and partitions: [{ partition, offset }], got: ${JSON.stringify({ topic, partitions })}`);
    }
    for (const { partition, offset } of partitions) {
      if (!Number.isInteger(partition) || partition < 0 || !Number.isInteger(offset) || offset < 0) {
        throw new RangeError(`sendOffsets: partition and offset must be integers ≥ 0, got partition ${String(partition)} offset ${String(offset)} of topic ${topic}`);
      }
    }
  }
}
