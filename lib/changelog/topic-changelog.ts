import { currentRecord, type RecordPartition, useRecordScope } from '../core/record-scope';
import type { ChangelogPort, LoggedChange, LoggedState } from '../interfaces';
import { topicNameProblem } from '../kafka/admin';
import { ProduceBatcher } from '../kafka/batcher';
import type { StreamTransaction } from '../kafka/stream-transaction';
import { compressionOf } from '../kafka/client';
import type { ResolvedConf } from '../kafka/config';
import type { KafkaConnection } from '../kafka/connection';
import { isTransient } from '../kafka/delivery';
import type { Logger } from '../log';
import { ensureChangelogTopic, partitionCount } from './changelog-topic';
import { partitionOfKey } from './key-partition';
import { BARRIER_KEY, ChangelogRestorer, type RestoreProgress } from './restorer';

/** A restore's progress, with the cache it is for (its changelog name). */
export interface CacheRestoreProgress extends RestoreProgress {
  cache: string;
}

/** What a changelog needs of its source topic. */
export interface ChangelogContext {
  /** The source topic's name. */
  source: string;
  groupId: string;
  connection: () => KafkaConnection;
  resolved: ResolvedConf;
  logger: Logger;
  onRestore?: (progress: CacheRestoreProgress) => void;
  /** Exactly-once: the source's open transaction, which flushed writes join. */
  transaction?: () => StreamTransaction | undefined;
  /** Whether the record being handled still belongs to this instance (its partition was not revoked or moved since). */
  isCurrent: (record: RecordPartition) => boolean;
  /** The cache was closed: the source forgets this changelog. */
  detached: (changelog: TopicChangelog) => void;
}

/** Changelog records per produce request, at most (as `Topic`'s). */
const MAX_BATCH = 2_000;

/**
 * The changelog of one cache (column family) kept for one source topic: the
 * glue between `lib/cache` (which only knows the `ChangelogPort` it is
 * given) and Kafka. Flushed writes are produced to partition p of the
 * changelog when they were made while handling a record of source partition
 * p (`runForRecord`), else to their key's partition; each assigned
 * partition's state is restored from the changelog (`assigned`) and the
 * source hands out none of the partition's records before (`restored`).
 */
export class TopicChangelog implements ChangelogPort {
  readonly topic: string;
  readonly transactional: boolean;
  private prepared: Promise<number> | undefined;
  private batcher: ProduceBatcher | undefined;
  private restorer: ChangelogRestorer | undefined;
  /** Per source partition: its restore (the latest one, queued behind earlier ones). */
  private readonly gates = new Map<number, Promise<void>>();
  /** Writes find their record's partition in the record scope while this changelog is attached. */
  private readonly releaseScope: () => void;

  constructor(
    private readonly state: LoggedState,
    topic: string | undefined,
    private readonly context: ChangelogContext,
  ) {
    this.topic = topic ?? `${context.groupId}-${state.name.replace(/[^a-zA-Z0-9._-]/g, '_')}-changelog`;
    this.transactional = context.transaction !== undefined;
    const problem = topicNameProblem(this.topic);
    if (problem) throw new TypeError(`Changelog topic name "${this.topic}" is not valid: ${problem}`);
    this.releaseScope = useRecordScope();
  }

  partitionOfWrite(): number | undefined | null {
    const record = currentRecord();
    if (record?.topic !== this.context.source) return undefined;
    return this.context.isCurrent(record) ? record.partition : null;
  }

  async publish(changes: LoggedChange[]): Promise<Map<number, number>> {
    const partitions = await this.prepare();
    const batcher = this.context.transaction?.()?.batcher(this.topic) ?? this.producing();
    const produced = await Promise.all(
      changes.map(({ key, value, partition }) => batcher.add({ key, value, partition: partition ?? partitionOfKey(key, partitions) })),
    );
    const next = new Map<number, number>();
    for (const { partition, offset } of produced) if (offset + 1 > (next.get(partition) ?? 0)) next.set(partition, offset + 1);
    return next;
  }

  detach(): void {
    this.releaseScope();
    void this.stop();
    this.context.detached(this);
  }

  /** Exactly-once: the source's transaction committed; the changes logged in it are written. */
  committed(): Promise<void> {
    return this.state.commitLogged();
  }

  /** Exactly-once: the source's transaction aborted; the changes made since its last commit are dropped. */
  aborted(): void {
    this.state.discardLogged();
  }

  /** Source partitions assigned (again): restore each, after any restore of it still running. */
  assigned(partitions: number[]): void {
    for (const partition of partitions) {
      const previous = this.gates.get(partition) ?? Promise.resolve();
      const gate = previous.catch(() => undefined).then(() => this.restore(partition));
      gate.catch(() => undefined); // the source reports it (see `restored`)
      this.gates.set(partition, gate);
    }
  }

  /** Settles once `partition`'s state is restored (rejects if the restore failed); undefined if it never was assigned. */
  restored(partition: number): Promise<void> | undefined {
    return this.gates.get(partition);
  }

  /** The source stopped consuming: restores stop, and what the cache buffered is logged (and written). */
  async stop(): Promise<void> {
    const restorer = this.restorer;
    this.restorer = undefined;
    this.gates.clear();
    await restorer?.close();
    await this.state.flush().catch(() => undefined); // a failure is the cache's: its next use reports it
    // Exactly-once: what was logged outside any transaction (no stream ran) is written now.
    if (this.transactional) await this.state.commitLogged().catch(() => undefined);
    await this.batcher?.flush();
    this.batcher = undefined;
  }

  /** The changelog topic ready (compacted, as many partitions as the source); resolves with the partition count. */
  private prepare(): Promise<number> {
    this.prepared ??= (async () => {
      const { connection, source, resolved } = this.context;
      await connection().ensureTopic(source, resolved.numPartitions);
      const admin = await connection().admin();
      const partitions = await partitionCount(admin, source);
      await ensureChangelogTopic(admin, this.topic, source, partitions);
      return partitions;
    })();
    this.prepared.catch(() => (this.prepared = undefined));
    return this.prepared;
  }

  private async restore(partition: number): Promise<void> {
    await this.state.flush(); // the stored offsets then include every write of this process
    await this.prepare();
    const from = await this.state.restoredUpTo(this.topic, partition);
    const started = Date.now();
    this.restorer ??= new ChangelogRestorer(this.context.connection(), this.topic, this.context.groupId, this.context.logger);
    const restored = await this.restorer.restore(
      partition,
      from,
      (changes, nextOffset) => this.state.restore(this.topic, partition, changes, nextOffset),
      (progress) => this.context.onRestore?.({ cache: this.state.name, ...progress }),
      // Exactly-once: a record written now (outside any transaction) marks the end to read up to.
      this.transactional ? async () => (await this.producing().add({ key: BARRIER_KEY, value: null, partition })).offset : undefined,
    );
    if (restored > 0) {
      this.context.logger.info(
        `Topic ${this.context.source} partition ${partition}: restored ${restored} change(s) of cache ${this.state.name} ` +
          `from changelog ${this.topic} in ${Date.now() - started} ms`,
      );
    }
  }

  private producing(): ProduceBatcher {
    const { connection, resolved } = this.context;
    this.batcher ??= new ProduceBatcher(
      // acks=all whatever the source's conf: the state is only as durable as its changelog.
      (messages) => connection().sender().send({ topic: this.topic, acks: -1, compression: compressionOf(resolved), messages }),
      { maxBatch: MAX_BATCH, maxQueued: Number.POSITIVE_INFINITY, lingerMs: 0, deliveryTimeoutMs: resolved.deliveryTimeout, isTransient },
    );
    return this.batcher;
  }
}
