// One Topic reading several topics: a list or a pattern, under handle() and
// stream() with each topic's partitions in lanes and committed per topic.
import should from 'should';
import { handle, stream } from '../../lib';
import { READ_FROM_START, Topic, type TopicRecord } from '../../lib/topic';
import { brokers, createTopic, kafka, take, trackTopics, uniqueTopic } from '../support/kafka';

async function fill(topic: string, values: string[], partitions = 1): Promise<void> {
  const producer = kafka().producer();
  await producer.connect();
  await producer.send({ topic, messages: values.map((value, i) => ({ key: `k${i}`, value, partition: i % partitions })) });
  await producer.disconnect();
}

async function committed(groupId: string, topic: string): Promise<number[]> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return offsets.partitions.sort((a, b) => a.partition - b.partition).map((p) => Number(p.offset));
  } finally {
    await admin.disconnect();
  }
}

describe('a Topic of several topics (real broker)', function () {
  this.timeout(120_000);
  const track = trackTopics();

  it('handles every record of a list of topics, the same partition number of each in its own lane, and commits each topic', async () => {
    const [a, b, groupId] = [uniqueTopic('multi-a'), uniqueTopic('multi-b'), uniqueTopic('multi-group')];
    await createTopic(a, 2);
    await createTopic(b, 2);
    await fill(a, Array.from({ length: 40 }, (_, i) => `a${i}`), 2);
    await fill(b, Array.from({ length: 30 }, (_, i) => `b${i}`), 2);
    const source = track(new Topic([a, b], { brokers: brokers(), groupId, fromBeginning: true, autoCommitInterval: 100 }));
    should(source.name).equal(`${a},${b}`);
    const seen: TopicRecord<string>[] = [];
    let running = 0;
    let overlapped = false;
    handle(source)(async (record: TopicRecord<string>) => {
      running++;
      if (running > 1) overlapped = true;
      await new Promise((resolve) => setTimeout(resolve, 2));
      running--;
      seen.push(record);
      if (seen.length === 70) setTimeout(() => void source.exitHook(), 300);
    });
    await stream();
    should(seen.length).equal(70);
    should(overlapped).be.true(); // lanes ran concurrently
    for (const [topic, count] of [[a, 40], [b, 30]] as const) {
      for (const partition of [0, 1]) {
        const offsets = seen.filter((r) => r.topic === topic && r.partition === partition).map((r) => r.offset);
        should(offsets).eql(Array.from({ length: count / 2 }, (_, i) => i)); // in order within its lane
      }
    }
    should(await committed(groupId, a)).eql([20, 20]);
    should(await committed(groupId, b)).eql([15, 15]);
  });

  it('reads the existing topics a pattern matches, and seeks them all', async () => {
    const prefix = uniqueTopic('pattern');
    const [x, y, other] = [`${prefix}.x`, `${prefix}.y`, `${prefix}-other`];
    for (const t of [x, y, other]) await createTopic(t, 1);
    await fill(x, ['x0', 'x1']);
    await fill(y, ['y0']);
    await fill(other, ['no']);
    const pattern = new RegExp(`^${prefix.replace(/[.-]/g, '\\$&')}\\.`);
    const source = track(new Topic<string>(pattern, { brokers: brokers(), groupId: uniqueTopic('pattern-group'), fromBeginning: true }));
    should(source.name).equal(String(pattern));
    const first = await take(source, 3);
    should(first.map((r) => r.value).sort()).eql(['x0', 'x1', 'y0']);
    await source.seek(READ_FROM_START);
    const again = await take(source, 3);
    should(again.map((r) => r.value).sort()).eql(['x0', 'x1', 'y0']);
  });

  it('cannot be produced to, nor seeked per partition, and an empty list is refused', async () => {
    const source = track(new Topic([uniqueTopic('m1'), uniqueTopic('m2')], { brokers: brokers() }));
    await should(source('k', 'v')).be.rejectedWith(/reads several topics: you cannot produce to it/);
    await should(source.getProducer()).be.rejectedWith(/reads several topics/);
    await should(source.seek({ 0: 1 })).be.rejectedWith(/reads several topics: you cannot seek per partition in it/);
    should(() => new Topic([], {})).throw(TypeError, /non-empty list/);
    should(() => new Topic(['ok', ''], {})).throw(TypeError);
    should(new Topic(['same', 'same'], { brokers: brokers() }).name).equal('same'); // duplicates read once
  });
});
