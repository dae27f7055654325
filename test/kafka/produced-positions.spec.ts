// A produced record's partition and offset, as `Topic.produce`/`send` report
// them, are where a consumer finds it: keyed, keyless and explicit-partition
// records sharing produce requests, on several partitions, with the produce
// thread and on the main thread.
import should from 'should';
import { Topic, type Produced } from '../../lib/topic';
import { brokers, kafka, trackTopics, uniqueTopic } from '../support/kafka';

/** Every record of `topic`, by "partition/offset". */
async function readPositions(topic: string, count: number): Promise<Map<string, string>> {
  const consumer = kafka().consumer({ groupId: uniqueTopic('read') });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const seen = new Map<string, string>();
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        seen.set(`${partition}/${message.offset}`, String(message.value));
        if (seen.size === count) resolve();
      },
    });
  });
  await consumer.disconnect();
  return seen;
}

describe('produced records report their partition and offset (real broker)', function () {
  this.timeout(120_000);
  const track = trackTopics();

  for (const produceThread of [true, false]) {
    it(`with ${produceThread ? 'the produce thread' : 'producing on the main thread'}: each offset is where a consumer reads that record`, async () => {
      const name = uniqueTopic(`positions-${produceThread ? 'thread' : 'main'}`);
      const topic = track(new Topic(name, { brokers: brokers(), numPartitions: 3, produceThread }));
      const sent: Array<Promise<Produced | undefined>> = [];
      const values: string[] = [];
      // Three rounds of records sent together (they share requests): keyed, explicit partition, keyless.
      for (let round = 0; round < 3; round++) {
        for (let i = 0; i < 30; i++) {
          const value = `r${round}-${i}`;
          values.push(value);
          if (i % 3 === 0) sent.push(topic.send(`key-${i % 7}`, value));
          else if (i % 3 === 1) sent.push(topic.produce({ value, partition: i % 2 === 0 ? 2 : 0 }));
          else sent.push(topic.produce({ key: null, value }));
        }
        await Promise.all(sent);
      }
      const produced = (await Promise.all(sent)) as Produced[];
      should(new Set(produced.map((p) => p.partition)).size).equal(3);
      // Explicit partitions are kept, and the same key always lands on one partition.
      values.forEach((_, n) => n % 3 === 1 && should(produced[n].partition).equal((n % 30) % 2 === 0 ? 2 : 0));
      const seen = await readPositions(name, values.length);
      should(produced.map(({ partition, offset }) => seen.get(`${partition}/${offset}`))).eql(values);
      // The seed's form reports it too.
      const last = await topic('key-1', 'last');
      should((await readPositions(name, values.length + 1)).get(`${last?.partition}/${last?.offset}`)).equal('last');
    });
  }

  it('reports offset -1 with acks 0 (the broker does not answer), and the partition', async () => {
    const name = uniqueTopic('positions-acks0');
    const topic = track(new Topic(name, { brokers: brokers(), numPartitions: 2, acks: 0 }));
    should(await topic.produce({ value: 'unanswered', partition: 1 })).eql({ partition: 1, offset: -1 });
  });

  it('resolves with undefined when dry (nothing is produced)', async () => {
    const topic = track(new Topic(uniqueTopic('positions-dry'), { brokers: brokers() }, { dry: true, logger: { info: () => undefined, warn: () => undefined, error: () => undefined } }));
    should(await topic('k', 'v')).be.undefined();
  });
});
