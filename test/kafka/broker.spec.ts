// Proves the test broker is a real Kafka: partitions, keyed partitioning,
// consumer groups and per-partition order.
import should from 'should';
import { Consumer, Partitioners, Producer } from 'kafkajs';
import { createTopic, kafka, uniqueTopic } from '../support/kafka';

const PARTITIONS = 3;
const MESSAGES = 1000;
const KEYS = 10;
// Partitions that Java's DefaultPartitioner (murmur2) picks for these keys on a
// 3-partition topic, computed with kafka-clients' Utils.murmur2.
const JAVA_PARTITION: Record<string, number> = {
  'key-0': 1, 'key-1': 0, 'key-2': 2, 'key-3': 2, 'key-4': 0,
  'key-5': 2, 'key-6': 2, 'key-7': 1, 'key-8': 1, 'key-9': 0,
};

interface Received {
  key: string;
  value: string;
  partition: number;
  offset: number;
}

describe('real Kafka broker', function () {
  this.timeout(60_000);
  let producer: Producer | undefined;
  let consumer: Consumer | undefined;

  afterEach(async () => {
    await producer?.disconnect();
    await consumer?.disconnect();
    producer = consumer = undefined;
  });

  it('round-trips 1,000 keyed messages over 3 partitions through a consumer group', async () => {
    const topic = uniqueTopic('broker-roundtrip');
    await createTopic(topic, PARTITIONS);

    producer = kafka().producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const sent = Array.from({ length: MESSAGES }, (_, i) => ({ key: `key-${i % KEYS}`, value: `value-${i}` }));
    for (let i = 0; i < MESSAGES; i += 100) {
      await producer.send({ topic, acks: -1, messages: sent.slice(i, i + 100) });
    }

    const received: Received[] = [];
    consumer = kafka().consumer({ groupId: uniqueTopic('broker-roundtrip-group') });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const allReceived = new Promise<void>((resolve, reject) => {
      setTimeout(() => reject(new Error(`only ${received.length} of ${MESSAGES} messages consumed after 45 s`)), 45_000).unref();
      consumer!.run({
        eachMessage: async ({ partition, message }) => {
          received.push({
            key: message.key!.toString(),
            value: message.value!.toString(),
            partition,
            offset: Number(message.offset),
          });
          if (received.length === MESSAGES) resolve();
        },
      }).catch(reject);
    });
    await allReceived;

    // Every message exactly once, with its own key.
    should(received.map((r) => r.value).sort()).eql(sent.map((s) => s.value).sort());
    for (const r of received) should(r.key).equal(`key-${Number(r.value.slice('value-'.length)) % KEYS}`);

    // Same key -> same partition, the one Java clients pick; every partition used.
    const partitionOf = new Map<string, number>();
    for (const r of received) {
      should(partitionOf.get(r.key) ?? r.partition).equal(r.partition, `key ${r.key} on two partitions`);
      partitionOf.set(r.key, r.partition);
    }
    should(Object.fromEntries(partitionOf)).eql(JAVA_PARTITION);
    should(new Set(received.map((r) => r.partition)).size).equal(PARTITIONS);

    // Per partition: offsets 0..n-1 in delivery order, messages in the order produced.
    for (let p = 0; p < PARTITIONS; p++) {
      const inPartition = received.filter((r) => r.partition === p);
      should(inPartition.map((r) => r.offset)).eql(inPartition.map((_, i) => i));
      const sequence = inPartition.map((r) => Number(r.value.slice('value-'.length)));
      should(sequence).eql([...sequence].sort((a, b) => a - b));
    }
  });
});
