// A Topic as a handle() sink queues its records for batched producing; the
// source commits a record only after what was produced for it was
// acknowledged, and a failed produce stops the stream without losing records.
import should from 'should';
import { Conf, handle, stream } from '../../lib';
import { KafkaConnection, Topic, type TopicRecord } from '../../lib/topic';
import type { RecordSender } from '../../lib/kafka/produce-thread';
import { consoleLogger } from '../../lib/log';
import { brokers, createTopic, kafka, trackTopics, uniqueTopic } from '../support/kafka';
import { waitFor } from '../support/wait';

async function fill(topic: string, count: number): Promise<void> {
  const producer = kafka().producer();
  await producer.connect();
  await producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: String(i) })) });
  await producer.disconnect();
}

/** The group's committed offset of partition 0 (-1: none). */
async function committed(groupId: string, topic: string): Promise<number> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return Number(offsets.partitions.find((p) => p.partition === 0)?.offset ?? -1);
  } finally {
    await admin.disconnect();
  }
}

/** The high watermark of each partition of `topic`. */
async function highWatermarks(topic: string): Promise<string[]> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).sort((a, b) => a.partition - b.partition).map((p) => p.high);
  } finally {
    await admin.disconnect();
  }
}

/** Every message in an error's cause chain. */
function messages(err: unknown): string {
  const out: string[] = [];
  for (let e = err as { message?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) out.push(String(e.message));
  return out.join(' ← ');
}

describe('Topic as a batching handle() sink, at-least-once', function () {
  this.timeout(120_000);
  const track = trackTopics();

  it('commits no source record before the records produced for it are acknowledged', async () => {
    const [input, output, groupId] = [uniqueTopic('acks-in'), uniqueTopic('acks-out'), uniqueTopic('acks-group')];
    await createTopic(input);
    await fill(input, 20);
    const conf = { brokers: brokers(), groupId, fromBeginning: true, autoCommitInterval: 100 };
    const source = track(new Topic(input, conf));
    const connection = KafkaConnection.fromConf({ brokers: brokers() }, consoleLogger);
    after(() => connection.close());
    const sink = track(new Topic(output, {}, { connection }));
    // Hold the broker's acknowledgements back (a slow broker cannot be made for real on demand).
    const real = connection.sender();
    let release!: () => void;
    const acked = new Promise<void>((resolve) => (release = resolve));
    let requests = 0;
    const held: RecordSender = { send: async (request) => (requests++, await acked, real.send(request)), close: () => real.close() };
    Object.assign(connection, { sender: () => held });
    let handled = 0;
    handle(source, { sink: [sink] })((record: TopicRecord) => (handled++, [record.key, record.value]));
    const running = stream();
    await waitFor(() => handled === 20, 20_000, 'every record to be handled', 100);
    await new Promise((resolve) => setTimeout(resolve, 1_500)); // many auto-commit intervals
    should(await committed(groupId, input)).equal(-1);
    should(requests).be.above(0);
    release();
    await waitFor(async () => (await committed(groupId, input)) === 20, 20_000, 'the source offset to be committed', 100);
    await source.exitHook();
    await running;
    const admin = kafka().admin();
    await admin.connect();
    const [high] = await admin.fetchTopicOffsets(output);
    await admin.disconnect();
    should(Number(high.high)).equal(20);
  });

  it('queues at most maxQueued records while acknowledgements are outstanding, then produces them all', async () => {
    const [input, output, groupId] = [uniqueTopic('queued-in'), uniqueTopic('queued-out'), uniqueTopic('queued-group')];
    await createTopic(input);
    await fill(input, 50);
    const source = track(new Topic(input, { brokers: brokers(), groupId, fromBeginning: true }));
    const connection = KafkaConnection.fromConf({ brokers: brokers() }, consoleLogger);
    after(() => connection.close());
    const sink = track(new Topic(output, {}, { connection, maxQueued: 5 }));
    // Hold the broker's acknowledgements back (a slow broker cannot be made for real on demand).
    const real = connection.sender();
    let release!: () => void;
    const acked = new Promise<void>((resolve) => (release = resolve));
    const requests: number[] = [];
    const held: RecordSender = { send: async (request) => (requests.push(request.messages.length), await acked, real.send(request)), close: () => real.close() };
    Object.assign(connection, { sender: () => held });
    let handled = 0;
    handle(source, { sink: [sink] })((record: TopicRecord) => (handled++, [record.key, record.value]));
    const running = stream();
    await waitFor(() => requests.length === 1, 20_000, 'the first request', 100);
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // time for the handler to run ahead, if it could
    // The request on the wire, the queue, and the one record whose sink waits for room.
    should(handled).be.belowOrEqual(requests[0] + 5 + 1);
    release();
    await waitFor(async () => Number((await highWatermarks(output))[0]) === 50, 20_000, 'every record to be produced', 100);
    await source.exitHook();
    await running;
  });

  it('rejects a maxQueued that is not a positive integer, naming it', () => {
    for (const bad of [0, 1.5, -1, Number.NaN]) {
      should(() => new Topic('any', { brokers: brokers() }, { maxQueued: bad })).throw(RangeError, { message: /maxQueued must be an integer >= 1/ });
    }
  });

  it('stops the stream on a record the broker rejects, commits nothing from it on, and a restart produces every record', async () => {
    const [input, output, groupId] = [uniqueTopic('fail-in'), uniqueTopic('fail-out'), uniqueTopic('fail-group')];
    await createTopic(input);
    await createTopic(output);
    await fill(input, 30);
    const conf = { brokers: brokers(), groupId, fromBeginning: true, autoCommitInterval: 100 };

    // Run 1: record 10's output is larger than the broker accepts (message.max.bytes, 1 MB by default).
    const source1 = track(new Topic(input, conf));
    const sink1 = track(new Topic(output, { brokers: brokers() }));
    handle(source1, { sink: [sink1] })((record: TopicRecord<string>) => [record.key, record.value === '10' ? 'x'.repeat(1_500_000) : record.value]);
    const failure = await stream().then(
      () => undefined,
      (err: unknown) => err,
    );
    should(failure).be.an.Error();
    should(messages(failure)).match(new RegExp(`Error while producing to Topic ${output}`));
    should(await committed(groupId, input)).be.belowOrEqual(10);

    // Run 2, same group, the same sink object (its failure ended with the stream): every record
    // reaches the output (some twice: at-least-once).
    Conf.reset();
    const source2 = track(new Topic(input, conf));
    handle(source2, { sink: [sink1] })((record: TopicRecord<string>) => {
      if (record.value === '29') setImmediate(() => void source2.exitHook());
      return [record.key, record.value];
    });
    await stream();
    await sink1.exitHook(); // Conf.reset() dropped its exit hook: flush it here
    const seen = new Set<string>();
    const reader = track(new Topic(output, { brokers: brokers(), groupId: uniqueTopic('reader'), fromBeginning: true }));
    const admin = kafka().admin();
    await admin.connect();
    const [high] = await admin.fetchTopicOffsets(output);
    await admin.disconnect();
    for (let i = 0; i < Number(high.high); i++) {
      const next = await reader.next();
      seen.add((next.value as TopicRecord<string>).value);
    }
    should([...seen].map(Number).sort((a, b) => a - b)).eql(Array.from({ length: 30 }, (_, i) => i));
  });

  it('enqueue: records queued together share one acknowledgement; a refused request fails its own records only', async () => {
    const output = uniqueTopic('enqueue-out');
    await createTopic(output);
    const topic = track(new Topic(output, { brokers: brokers() }));
    const together = [0, 1, 2].map((i) => topic.enqueue({ key: `k${i}`, value: String(i) }));
    for (const accepted of together) should(accepted).not.be.a.Promise(); // room: nothing to wait for
    const [first, ...rest] = together as Array<{ acked: Promise<void> }>;
    for (const accepted of rest) should(accepted.acked).equal(first.acked);
    await first.acked;

    const refused = topic.enqueue({ key: 'big', value: 'x'.repeat(1_500_000) }) as { acked: Promise<void> };
    await should(refused.acked).be.rejectedWith(new RegExp(`Error while producing to Topic ${output}: .*larger than the max message size`));
    const after = topic.enqueue({ key: 'k3', value: '3' }) as { acked: Promise<void> };
    await after.acked; // not failed by the earlier failure
    should(await highWatermarks(output)).eql(['4']);
  });
});
