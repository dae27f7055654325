// Changelog caches (issue 18): the state of a source partition follows the
// partition to whichever instance of the group is assigned it. Real broker,
// real RocksDB; "instances" here are caches on different directories.
import path from 'node:path';
import should from 'should';
import { Cache, ChangelogTopicError, Conf, handle, JsonCodec, stream } from '../../lib';
import { type CacheRestoreProgress, Topic, type TopicRecord } from '../../lib/topic';
import { decodeKey } from '../../lib/cache/keys';
import { removeTempDirs, tempDir } from '../cache/helpers';
import { brokers, createTopic, kafka, trackTopics, uniqueTopic } from '../support/kafka';

type Payment = { user: string; amount: number };

async function sendPayments(topic: string, payments: Array<Payment & { partition?: number }>): Promise<void> {
  const producer = kafka().producer();
  await producer.connect();
  await producer.send({ topic, messages: payments.map(({ partition, ...p }) => ({ key: p.user, value: JSON.stringify(p), partition })) });
  await producer.disconnect();
}

/** Every record of `topic`, read with a consumer of its own. */
async function readAll(topic: string, count: number): Promise<Array<{ partition: number; key: Buffer; value: Buffer | null }>> {
  const consumer = kafka().consumer({ groupId: uniqueTopic('reader') });
  const out: Array<{ partition: number; key: Buffer; value: Buffer | null }> = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        out.push({ partition, key: message.key as Buffer, value: message.value });
        if (out.length >= count) resolve();
      },
    });
  });
  await consumer.disconnect();
  return out;
}

function exact(payments: Payment[]): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const { user, amount } of payments) totals[user] = (totals[user] ?? 0) + amount;
  return totals;
}

describe('Changelog caches (real broker)', function () {
  this.timeout(120_000);
  const track = trackTopics();
  afterEach(() => removeTempDirs());

  function source(name: string, groupId: string, progress?: CacheRestoreProgress[]): Topic<Payment> {
    return track(
      new Topic<Payment>(name, { brokers: brokers(), groupId, fromBeginning: true, autoCommitInterval: 200 }, {
        codec: new JsonCodec(),
        onRestore: (p) => progress?.push(p),
      }),
    );
  }

  /** Run the totals pipeline on `topic` until `count` records were handled. */
  async function runTotals(topic: Topic<Payment>, totals: Cache<number>, count: number, onRecord?: (r: TopicRecord<Payment>) => void): Promise<void> {
    let handled = 0;
    Conf.reset(); // each run is its own stream
    handle(topic)(async function total(record: TopicRecord<Payment>) {
      onRecord?.(record);
      await totals.transaction(record.key as string, async (cache) => {
        await cache.put(record.key as string, ((await cache.get(record.key as string)) ?? 0) + record.value.amount);
      });
      if (++handled === count) setImmediate(() => void topic.exitHook());
    });
    await stream();
  }

  async function totalsOf(cache: Cache<number>): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for await (const [key, value] of cache.items()) out[key as string] = value;
    return out;
  }

  it('restores a partition from the changelog on another instance before its first record, and goes on from there', async () => {
    const name = uniqueTopic('payments');
    const groupId = uniqueTopic('totals');
    await createTopic(name, 2);
    const first = Array.from({ length: 40 }, (_, i) => ({ user: `u${i % 7}`, amount: i + 1 }));
    await sendPayments(name, first);

    const topicA = source(name, groupId);
    // The same directory name on each instance (as the same flow or program has): the same changelog topic.
    const cacheA = new Cache<number>(path.join(tempDir(), 'totals'), { changelog: { source: topicA } });
    await runTotals(topicA, cacheA, first.length);
    should(await totalsOf(cacheA)).eql(exact(first));
    await cacheA.close();

    // Another instance, with empty local state, takes over the group.
    const later = Array.from({ length: 20 }, (_, i) => ({ user: `u${i % 9}`, amount: 100 + i }));
    await sendPayments(name, later);
    const progress: CacheRestoreProgress[] = [];
    const topicB = source(name, groupId, progress);
    const cacheB = new Cache<number>(path.join(tempDir(), 'totals'), { changelog: { source: topicB } });
    const restoredFirst: boolean[] = [];
    await runTotals(topicB, cacheB, later.length, (record) => {
      restoredFirst.push(progress.some((p) => p.partition === record.partition && p.done));
    });
    should(restoredFirst.every(Boolean)).be.true();
    should(await totalsOf(cacheB)).eql(exact([...first, ...later]));
    const done = progress.filter((p) => p.done);
    should(done.map((p) => p.partition).sort()).eql([0, 1]);
    should(done.reduce((n, p) => n + p.restored, 0)).be.above(0);
    should(done.every((p) => p.cache === 'totals' && p.changelog === `${groupId}-totals-changelog`)).be.true();
    await cacheB.close();
  });

  it('logs a write to the partition of the record being handled, and a write outside a handler to its key’s partition', async () => {
    const name = uniqueTopic('pinned');
    const groupId = uniqueTopic('g');
    await createTopic(name, 3);
    // Explicit partitions, unlike the key's: the changelog must follow the record, not the key.
    await sendPayments(name, [
      { user: 'alice', amount: 1, partition: 2 },
      { user: 'bob', amount: 2, partition: 0 },
      { user: 'carol', amount: 3, partition: 1 },
    ]);
    const topic = source(name, groupId);
    const totals = new Cache<number>(tempDir(), { changelog: { source: topic, topic: `${groupId}-pinned-log` } });
    await runTotals(topic, totals, 3);
    await totals.put('dave', 4); // outside any handler
    await totals.flush();
    const logged = await readAll(`${groupId}-pinned-log`, 4);
    const partitionOf = Object.fromEntries(logged.map((r) => [decodeKey(r.key) as string, r.partition]));
    should(partitionOf).containEql({ alice: 2, bob: 0, carol: 1 });
    const producer = kafka().producer();
    await producer.connect();
    const [sent] = await producer.send({ topic: name, messages: [{ key: 'dave', value: '{}' }] });
    await producer.disconnect();
    should(partitionOf.dave).equal(sent.partition);
    await totals.close();
  });

  it('refuses a changelog whose partition count differs from its source, naming both', async () => {
    const name = uniqueTopic('src');
    const groupId = uniqueTopic('g');
    await createTopic(name, 2);
    await createTopic(`${groupId}-wrong`, 3);
    await sendPayments(name, [{ user: 'x', amount: 1 }]);
    const topic = source(name, groupId);
    const totals = new Cache<number>(tempDir(), { changelog: { source: topic, topic: `${groupId}-wrong` } });
    handle(topic)(async function never() {
      throw new Error('no record may be handled before the state is restored');
    });
    const error = (await stream().then(
      () => undefined,
      (err: Error) => err,
    )) as Error & { cause?: unknown };
    let cause: unknown = error;
    while (cause && !(cause instanceof ChangelogTopicError)) cause = (cause as { cause?: unknown }).cause;
    should(cause).be.instanceOf(ChangelogTopicError);
    should(cause).match({ topic: `${groupId}-wrong`, partitions: 3, source: name, sourcePartitions: 2 });
    await totals.close();
  });

  it('refuses what a changelog cannot carry: a source without groupId or with several topics, deleteRange, readOnly', async () => {
    const noGroup = track(new Topic('any', { brokers: brokers() }));
    should(() => new Cache(tempDir(), { changelog: { source: noGroup } })).throw({ name: 'TypeError', message: /no groupId/ });
    const several = track(new Topic(['a', 'b'], { brokers: brokers(), groupId: 'g' }));
    should(() => new Cache(tempDir(), { changelog: { source: several } })).throw({ name: 'TypeError', message: /several topics/ });
    should(() => new Cache(tempDir(), { changelog: { source: {} as never } })).throw({ name: 'TypeError', message: /changelog.source must be the Topic/ });
    should(() => new Cache(tempDir(), { changelog: { source: noGroup, partitions: 3 } as never })).throw({ name: 'TypeError', message: /Unknown Cache changelog option\(s\): partitions/ });
    const topic = track(new Topic(uniqueTopic('t'), { brokers: brokers(), groupId: 'g' }));
    should(() => new Cache(tempDir(), { readOnly: true, changelog: { source: topic } })).throw({ name: 'TypeError', message: /readOnly/ });
    const cache = new Cache<number>(tempDir(), { changelog: { source: topic } });
    await should(cache.deleteRange('a', 'z')).be.rejectedWith({ name: 'TypeError', message: /delete its keys one by one/ });
    await cache.close();
  });
});
