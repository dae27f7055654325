import { randomUUID } from 'node:crypto';
import type { Consumer, EachBatchPayload } from 'kafkajs';
import type { StateChange } from '../interfaces';
import type { KafkaConnection } from '../kafka/connection';
import type { Logger } from '../log';

/** The key of barrier records: its tag byte is none of the cache's key types, so no state key collides with it. */
export const BARRIER_KEY = Buffer.from([0]);

function isBarrierKey(key: Buffer): boolean {
  return key.length === 1 && key[0] === 0;
}

/** How a partition's restore goes: `restored` of `total` changelog records applied. */
export interface RestoreProgress {
  /** The changelog topic. */
  changelog: string;
  partition: number;
  restored: number;
  total: number;
  done: boolean;
}

/** Writes restored changes, then `nextOffset` as where the next restore starts. */
export type ApplyRestored = (changes: StateChange[], nextOffset: number) => Promise<void>;

interface Target {
  from: number;
  end: number;
  restored: number;
  apply: ApplyRestored;
  onProgress: (progress: RestoreProgress) => void;
  resolve: (restored: number) => void;
  reject: (error: Error) => void;
}

/**
 * Reads partitions of a changelog topic from a given offset to their end.
 * kafkajs has no consumer without a group (no `assign`), so this is a
 * consumer in a group of its own, started with the first restore and kept
 * until `close()`: it owns every partition of the changelog, keeps them
 * paused, and resumes one (after seeking it) while it is restored.
 */
export class ChangelogRestorer {
  private consumer: Consumer | undefined;
  private started: Promise<Consumer> | undefined;
  private readonly targets = new Map<number, Target>();
  private closed = false;

  constructor(
    private readonly connection: KafkaConnection,
    private readonly topic: string,
    private readonly groupId: string,
    private readonly logger: Logger,
  ) {}

  /**
   * Apply partition `partition`'s committed records from offset `from`
   * (undefined: its first record) up to its end when called; resolves with
   * how many were applied. `barrier` (exactly-once) writes a record and
   * returns its offset, which is then the end: the admin client only sees
   * the end of what is committed (the last stable offset), which an open
   * transaction of a previous owner holds back, and committed records after
   * it would be missed; reading up to the barrier waits for every such
   * transaction to end.
   */
  async restore(
    partition: number,
    from: number | undefined,
    apply: ApplyRestored,
    onProgress: (progress: RestoreProgress) => void,
    barrier?: () => Promise<number>,
  ): Promise<number> {
    if (this.closed) throw new Error(`the restore of changelog ${this.topic} was stopped (the topic is closing)`);
    const admin = await this.connection.admin();
    const bounds = (await admin.fetchTopicOffsets(this.topic)).find((o) => o.partition === partition);
    if (!bounds) throw new Error(`Changelog topic ${this.topic} has no partition ${partition}`);
    const low = Number(bounds.low);
    const end = barrier ? (await barrier()) + 1 : Number(bounds.high);
    let start = from ?? low;
    if (start > end) {
      this.logger.warn(
        `Changelog ${this.topic} partition ${partition}: the state was restored up to offset ${start}, past the end ${end} ` +
          '(was the changelog topic deleted and created again?): restoring it from the start',
      );
      start = low;
    }
    start = Math.max(start, low);
    const total = end - start;
    if (total <= 0) {
      onProgress({ changelog: this.topic, partition, restored: 0, total: 0, done: true });
      return 0;
    }
    const consumer = await this.start();
    onProgress({ changelog: this.topic, partition, restored: 0, total, done: false });
    return new Promise<number>((resolve, reject) => {
      this.targets.set(partition, { from: start, end, restored: 0, apply, onProgress, resolve, reject });
      consumer.seek({ topic: this.topic, partition, offset: String(start) });
      consumer.resume([{ topic: this.topic, partitions: [partition] }]);
    });
  }

  /** Stop: restores still running fail. */
  async close(): Promise<void> {
    this.closed = true;
    this.fail(new Error(`the restore of changelog ${this.topic} was stopped (the topic is closing)`));
    const started = this.started;
    this.started = this.consumer = undefined;
    await (await started?.catch(() => undefined))?.disconnect().catch(() => undefined);
  }

  private start(): Promise<Consumer> {
    this.started ??= (async () => {
      const consumer = this.connection.consumer({ groupId: `${this.groupId}-restore-${randomUUID()}`, maxWaitTimeInMs: 100, allowAutoTopicCreation: false });
      const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart) this.fail(payload.error);
      });
      // A batch of only aborted records or transaction markers never reaches eachBatch, but moves the position.
      consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
        const target = this.targets.get(payload.partition);
        if (target && Number(payload.lastOffset) + 1 >= target.end) {
          this.finish(payload.partition, target);
          target.onProgress({ changelog: this.topic, partition: payload.partition, restored: target.restored, total: target.end - target.from, done: true });
          target.resolve(target.restored);
        }
      });
      try {
        await consumer.connect();
        await consumer.subscribe({ topics: [this.topic], fromBeginning: true });
        await consumer.run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: (payload) => this.eachBatch(payload) });
        consumer.pause([{ topic: this.topic }]); // partitions are resumed one by one, while restored
        await joined;
      } catch (err) {
        await consumer.disconnect().catch(() => undefined);
        throw err;
      }
      this.consumer = consumer;
      return consumer;
    })();
    this.started.catch(() => (this.started = undefined));
    return this.started;
  }

  private async eachBatch({ batch, resolveOffset, heartbeat, isStale }: EachBatchPayload): Promise<void> {
    const target = this.targets.get(batch.partition);
    if (!target) {
      this.consumer?.pause([{ topic: this.topic, partitions: [batch.partition] }]);
      return;
    }
    if (isStale() || batch.messages.length === 0) return;
    const changes = batch.messages.filter((m) => m.key !== null && !isBarrierKey(m.key)).map((m) => ({ key: m.key as Buffer, value: m.value }));
    const next = Number(batch.lastOffset()) + 1;
    try {
      await target.apply(changes, next);
    } catch (err) {
      this.finish(batch.partition, target);
      target.reject(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    resolveOffset(batch.lastOffset());
    target.restored += changes.length; // barrier records are not changes
    const done = next >= target.end;
    target.onProgress({ changelog: this.topic, partition: batch.partition, restored: target.restored, total: target.end - target.from, done });
    if (done) {
      this.finish(batch.partition, target);
      target.resolve(target.restored);
    }
    await heartbeat();
  }

  private finish(partition: number, target: Target): void {
    if (this.targets.get(partition) === target) this.targets.delete(partition);
    this.consumer?.pause([{ topic: this.topic, partitions: [partition] }]);
  }

  private fail(error: Error): void {
    const targets = [...this.targets.values()];
    this.targets.clear();
    for (const target of targets) target.reject(error);
  }
}
