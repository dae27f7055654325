import { type RecordPartition, useRecordScope } from '../core/record-scope';
import { ProduceBatcher } from './batcher';
import { isTransient } from './delivery';
import type { RecordPosition } from './ledger';
import type { TransactionOffsets } from './produce-protocol';
import type { Produced } from './produced';
import type { TransactionalSender } from './transaction';

/** Where a record handed out by an exactly-once consumer carries its consumer's transaction (non-enumerable). */
export const TRANSACTION: unique symbol = Symbol('slipstream.transaction');

/** The transaction of the exactly-once consumer that handed out `record`, if any. */
export function transactionOf(record: object | undefined): StreamTransaction | undefined {
  return (record as { [TRANSACTION]?: StreamTransaction } | undefined)?.[TRANSACTION];
}

export interface StreamTransactionOptions {
  groupId: string;
  /** Whether a record still belongs to the consumer (its partition did not move since it was handed out). */
  isCurrent: (record: RecordPartition) => boolean;
  compression: number;
  deliveryTimeout: number;
  maxBatch: number;
  lingerMs: number;
}

/**
 * The Kafka transaction of an exactly-once consumer: what is produced while
 * its records are handled (outputs and changelog writes, through
 * `batcher(topic)`) goes into the open transaction, begun by the first send;
 * `commit(offsets)` adds the consumed offsets and commits it, `abort()`
 * discards it. Sends made while a commit or abort is on its way wait for the
 * next transaction. One transaction is open at a time (kafkajs: one per
 * producer), so the consumer commits only when every record it handed out
 * is done (see `ConsumerFeed`).
 */
export class StreamTransaction {
  private begun: Promise<void> | undefined;
  /** A commit or abort on its way. */
  private ending: Promise<void> | undefined;
  private readonly batchers = new Map<string, ProduceBatcher>();
  private failure: Error | undefined;
  /** Outputs find their record's transaction in the record scope while this transaction is in use. */
  private readonly releaseScope = useRecordScope();

  constructor(
    private readonly sender: TransactionalSender,
    private readonly options: StreamTransactionOptions,
  ) {}

  /** Whether what is produced for `record` may join the transaction: not once its partition moved (its new owner handles it again). */
  accepts(record: RecordPartition): boolean {
    return this.options.isCurrent(record);
  }

  /** Batches what is produced to `topic` in the open transaction (acks=all, as transactions require). */
  batcher(topic: string): ProduceBatcher {
    let batcher = this.batchers.get(topic);
    if (!batcher) {
      batcher = new ProduceBatcher((messages) => this.send({ topic, compression: this.options.compression, messages }), {
        maxBatch: this.options.maxBatch,
        maxQueued: Number.POSITIVE_INFINITY,
        lingerMs: this.options.lingerMs,
        deliveryTimeoutMs: this.options.deliveryTimeout,
        isTransient,
      });
      this.batchers.set(topic, batcher);
    }
    return batcher;
  }

  /**
   * Commit the open transaction with the consumed `offsets` (a transaction is
   * begun for them if nothing was produced). A failure aborts it and is
   * sticky: the stream must stop, and its next start goes on from the last
   * committed transaction.
   */
  async commit(offsets: RecordPosition[]): Promise<void> {
    // Whatever is queued goes into this transaction (sends wait while it ends: flushed before).
    await Promise.all([...this.batchers.values()].map((b) => b.flush()));
    return this.end(async () => {
      if (!this.begun && offsets.length === 0) return;
      this.begun ??= this.sender.begin();
      await this.begun;
      if (offsets.length > 0) await this.sender.sendOffsets({ consumerGroupId: this.options.groupId, topics: byTopic(offsets) });
      await this.sender.commit();
    });
  }

  /** Discard the open transaction: what was produced in it is never seen by `read_committed` readers. */
  abort(reason: Error): Promise<void> {
    return this.end(async () => {
      for (const batcher of this.batchers.values()) batcher.abort(reason);
      this.batchers.clear();
      if (this.begun) await this.sender.abort();
    });
  }

  close(): Promise<void> {
    this.releaseScope();
    return this.sender.close();
  }

  private async send(request: Parameters<TransactionalSender['send']>[0]): Promise<Produced[]> {
    for (;;) {
      if (this.failure) throw this.failure;
      if (this.ending) {
        await this.ending.catch(() => undefined);
        continue;
      }
      this.begun ??= this.sender.begin();
      const begun = this.begun;
      await begun;
      if (this.begun === begun && !this.ending) return this.sender.send(request);
    }
  }

  private end(ending: () => Promise<void>): Promise<void> {
    const previous = this.ending ?? Promise.resolve();
    const run = previous
      .catch(() => undefined)
      .then(async () => {
        if (this.failure) throw this.failure;
        try {
          await ending();
        } catch (err) {
          this.failure = err instanceof Error ? err : new Error(String(err));
          await this.sender.abort().catch(() => undefined);
          throw this.failure;
        } finally {
          this.begun = undefined;
        }
      });
    this.ending = run;
    void run.then(
      () => this.ending === run && (this.ending = undefined),
      () => this.ending === run && (this.ending = undefined),
    );
    return run;
  }
}

function byTopic(offsets: RecordPosition[]): TransactionOffsets['topics'] {
  const topics = new Map<string, Array<{ partition: number; offset: number }>>();
  for (const { topic, partition, offset } of offsets) {
    let partitions = topics.get(topic);
    if (!partitions) topics.set(topic, (partitions = []));
    partitions.push({ partition, offset });
  }
  return [...topics].map(([topic, partitions]) => ({ topic, partitions }));
}
