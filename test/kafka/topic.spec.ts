import should from 'should';
import { handle, JsonCodec, MemoryCache, PausableStream, Signal, stream } from '../../lib';
import { READ_FROM_END, READ_FROM_START, Topic, type TopicRecord } from '../../lib/topic';
import type { Logger } from '../../lib/log';
import { brokers, createTopic, take, trackTopics, uniqueTopic } from '../support/kafka';
import { NOTHING_NOW, takeNow } from '../../lib/interfaces';
import { waitFor } from '../support/wait';
import type { Worker } from 'node:worker_threads';
import { ConsumeThread } from '../../lib/kafka/consume-thread';

function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`info: ${m}`),
    warn: (m) => lines.push(`warn: ${m}`),
    error: (m) => lines.push(`error: ${m}`),
  };
}

describe('Topic on the real broker', function () {
  this.timeout(120_000);
  const conf = () => ({ brokers: brokers(), groupId: uniqueTopic('group'), fromBeginning: true });
  const track = trackTopics();

  it('produces three keyed messages and consumes them in order: next() first, then for await', async () => {
    const name = uniqueTopic('seed');
    const topic = track(new Topic(name, { ...conf(), auto_offset_reset: 'earliest', brokers: undefined, bootstrap_servers: brokers().join(',') }));
    await topic('a', '🏆');
    await topic('b', '📞');
    await topic('c', '🐟');
    const first = await topic.next();
    should(first.done).be.false();
    const rec = first.value as TopicRecord;
    should(rec).match({ topic: name, partition: 0, offset: 0, key: 'a', value: '🏆' });
    should(rec.timestamp).be.a.Number().above(Date.now() - 60_000);
    const rest: TopicRecord[] = [];
    for await (const record of topic) {
      rest.push(record as TopicRecord);
      if (rest.length === 2) break;
    }
    should(rest.map((r) => [r.key, r.value, r.offset])).eql([['b', '📞', 1], ['c', '🐟', 2]]);
  });

  it('is a callable keyed sink and function', () => {
    const topic = track(new Topic(uniqueTopic('shape'), conf()));
    should(typeof topic).equal('function');
    should(topic).be.instanceOf(Topic);
    should(topic.name).startWith('shape');
  });

  for (const consumeThread of [true, false]) {
    const where = consumeThread ? 'the consumer on its thread' : 'the consumer on the main thread';

    it(`pipes 10,000 JSON messages through handle() into another topic and a cache, each exactly once (${where})`, async () => {
      const n = 10_000;
      const source = track(new Topic<{ i: number }>(uniqueTopic('pipe-in'), { ...conf(), numPartitions: 3, consumeThread }, { codec: new JsonCodec() }));
      const output = track(new Topic<{ i: number; double: number }>(uniqueTopic('pipe-out'), conf(), { codec: new JsonCodec() }));
      const cache = new MemoryCache<{ i: number; double: number }>();
      const producer = await source.getProducer();
      for (let start = 0; start < n; start += 1_000) {
        const messages = Array.from({ length: 1_000 }, (_, j) => ({ key: `k${(start + j) % 50}`, value: JSON.stringify({ i: start + j }) }));
        await producer.send({ topic: source.name, messages });
      }
      let handled = 0;
      handle(source, { sink: [output, cache] })(function double(msg: TopicRecord<{ i: number }>) {
        handled++;
        if (handled === n) setImmediate(() => source.exitHook());
        return [`k${msg.value.i}`, { i: msg.value.i, double: msg.value.i * 2 }];
      });
      await stream();
      should(handled).equal(n);
      const seen = new Set<number>();
      const received = await take(output, n);
      for (const r of received) {
        should(seen.has(r.value.i)).be.false();
        seen.add(r.value.i);
        should(r.value.double).equal(r.value.i * 2);
        should(r.key).equal(`k${r.value.i}`);
      }
      should(seen.size).equal(n);
      should(await cache.get('k9999')).eql({ i: 9999, double: 19998 });
    });

    it(`seeks to the start, the end and per-partition offsets (${where})`, async () => {
      const name = uniqueTopic('seek');
      await createTopic(name, 2);
      const topic = track(new Topic(name, { ...conf(), consumeThread }));
      await should(topic.seek(READ_FROM_START)).be.rejectedWith('No consumer provided');
      await should(topic.seek(-3)).be.rejectedWith(RangeError);
      const producer = await topic.getProducer();
      for (let i = 0; i < 10; i++) await producer.send({ topic: name, messages: [{ value: `v${i}`, partition: i % 2 }] });
      should((await take(topic, 3)).length).equal(3);
      await topic.seek(READ_FROM_START);
      const again = await take(topic, 10);
      should(again.map((r) => r.value).sort()).eql(Array.from({ length: 10 }, (_, i) => `v${i}`).sort());
      await topic.seek({ 0: 3, 1: 4 });
      const tail = await take(topic, 3);
      should(tail.map((r) => `${r.partition}:${r.offset}`).sort()).eql(['0:3', '0:4', '1:4']);
      await topic.seek(READ_FROM_END);
      await producer.send({ topic: name, messages: [{ value: 'after-end', partition: 1 }] });
      const [next] = await take(topic, 1);
      should(next.value).equal('after-end');
    });
  }

  it('seeks once at start when constructed with an offset', async () => {
    const name = uniqueTopic('offset');
    const writer = track(new Topic(name, conf()));
    for (let i = 0; i < 5; i++) await writer(null, `m${i}`);
    const reader = track(new Topic(name, conf(), { offset: 3 }));
    should((await take(reader, 2)).map((r) => r.value)).eql(['m3', 'm4']);
  });

  it('pauses for longer than the session timeout without a rebalance and loses nothing', async () => {
    const name = uniqueTopic('pause');
    const topic = track(new Topic(name, { ...conf(), sessionTimeout: 6_000, heartbeatInterval: 1_000 }));
    for (let i = 0; i < 6; i++) await topic(null, `p${i}`);
    const consumer = await topic.getConsumer();
    let joins = 0;
    consumer.on(consumer.events.GROUP_JOIN, () => joins++);
    const paused = new PausableStream(topic);
    const it = paused.iterable[Symbol.asyncIterator]();
    should(((await it.next()).value as TopicRecord).value).equal('p0');
    paused.sendSignal(Signal.PAUSE);
    const pending = it.next();
    let delivered = false;
    void pending.then(() => (delivered = true));
    await new Promise((r) => setTimeout(r, 9_000));
    should(delivered).be.false();
    should(consumer.paused()).eql([{ topic: name, partitions: [0] }]);
    paused.sendSignal(Signal.RESUME);
    const values = [((await pending).value as TopicRecord).value];
    for (let i = 0; i < 4; i++) values.push(((await it.next()).value as TopicRecord).value);
    should(values).eql(['p1', 'p2', 'p3', 'p4', 'p5']);
    should(joins).equal(0);
  });

  it('skips a record the codec cannot decode, naming topic, partition and offset, and goes on', async () => {
    const name = uniqueTopic('bad-json');
    const logger = memoryLogger();
    const topic = track(new Topic(name, conf(), { codec: new JsonCodec(), logger }));
    const producer = await topic.getProducer();
    await producer.send({ topic: name, messages: [{ value: '{"ok":1}' }, { value: '{not json' }, { value: '{"ok":2}' }] });
    const records = await take(topic, 2);
    should(records.map((r) => r.value)).eql([{ ok: 1 }, { ok: 2 }]);
    const line = logger.lines.find((l) => l.startsWith('error:'));
    should(line).match(new RegExp(`Topic ${name} partition 0 offset 1`));
  });

  it('stops on a bad record when onDecodeError is "stop"', async () => {
    const name = uniqueTopic('bad-stop');
    const topic = track(new Topic(name, { ...conf(), onDecodeError: 'stop' }, { codec: new JsonCodec() }));
    await (await topic.getProducer()).send({ topic: name, messages: [{ value: 'nope' }] });
    await should(topic.next()).be.rejectedWith(new RegExp(`Cannot decode record of Topic ${name} partition 0 offset 0`));
  });

  it('stops on a bad record taken without waiting (as stream() and topic-in take them): nothing after it is handed out', async () => {
    const name = uniqueTopic('bad-stop-now');
    const topic = track(new Topic(name, { ...conf(), onDecodeError: 'stop' }, { codec: new JsonCodec(), finishMode: 'manual', maxInFlight: 10 }));
    await (await topic.getProducer()).send({ topic: name, messages: [{ value: '{"n":1}' }, { value: 'nope' }, { value: '{"n":2}' }] });
    should(((await topic.next()).value as TopicRecord).value).eql({ n: 1 });
    let thrown: unknown;
    const takeBad = (): boolean => {
      try {
        should(takeNow(topic)).equal(NOTHING_NOW); // not fetched yet: nothing else may come first
        return false;
      } catch (err) {
        thrown = err;
        return true;
      }
    };
    await waitFor(takeBad, 10_000, 'the bad record to be taken');
    should((thrown as Error).message).match(new RegExp(`Cannot decode record of Topic ${name} partition 0 offset 1`));
    // The stream ended at the bad record: asked again, the topic starts over from the last commit, not after the bad record.
    const again = await topic.next();
    should((again.value as TopicRecord).value).eql({ n: 1 });
  });

  it('fails within a bounded time with a clear message when the broker address is wrong', async () => {
    const conf = { brokers: ['127.0.0.1:1'], retryTimeout: 2_000, deliveryTimeout: 2_000 };
    const topic = track(new Topic(uniqueTopic('nowhere'), conf, { logger: memoryLogger() }));
    const started = Date.now();
    // Producing retries until the delivery timeout runs out (the broker might be restarting).
    await should(topic('k', 'v')).be.rejectedWith(/^Error while producing to Topic nowhere\S*: not acknowledged within the delivery timeout \(deliveryTimeout 2000 ms.*(ECONNREFUSED|Connection error)/);
    should(Date.now() - started).be.below(30_000);
    await should(topic.next()).be.rejectedWith(/^Error while consuming from Topic nowhere/);
    // Asking again tries to connect again: a failed start does not leave a finished stream behind.
    await should(topic.next()).be.rejectedWith(/^Error while consuming from Topic nowhere/);
  });

  it('hands out every record once, in order, across a pause while the consume thread has fetched megabytes ahead', async () => {
    const name = uniqueTopic('ahead');
    const n = 60_000;
    const topic = track(new Topic(name, conf()));
    const producer = await topic.getProducer();
    const padding = 'x'.repeat(100);
    for (let start = 0; start < n; start += 5_000) {
      await producer.send({ topic: name, messages: Array.from({ length: 5_000 }, (_, i) => ({ value: `${start + i} ${padding}` })) });
    }
    const before = await take(topic, 100);
    // The thread goes on fetching until its 4 MiB ahead are full, then waits with the next batch in hand.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    topic.pause();
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    topic.resume();
    const after = await take(topic, n - before.length);
    should([...before, ...after].map((r) => r.offset)).eql(Array.from({ length: n }, (_, i) => i));
  });

  it('fails with the reason, not a stall, when the consume thread dies', async () => {
    const name = uniqueTopic('thread-end');
    const topic = track(new Topic(name, conf()));
    await topic(null, 'one');
    should((await take(topic, 1))[0].value).equal('one');
    // A real thread ended from outside, as an out-of-memory end would end it.
    const consumer = await topic.getConsumer();
    should(consumer).be.instanceOf(ConsumeThread);
    await (Reflect.get(consumer, 'worker') as Worker).terminate();
    await should(topic.next()).be.rejectedWith(/the consume thread ended \(exit code 1\)/);
  });

  it('warns about unknown configuration keys and rejects objects without a codec', async () => {
    const logger = memoryLogger();
    const topic = track(new Topic(uniqueTopic('conf'), { ...conf(), bogus: 1, linger_ms: 5 } as never, { logger }));
    should(logger.lines).containEql('warn: Topic ' + topic.name + ': unknown configuration keys ignored: bogus, linger_ms');
    await should(topic('k', { an: 'object' })).be.rejectedWith(/has no codec.*JsonCodec/);
  });

  it('produces tombstones for null values and reads them back as null', async () => {
    const topic = track(new Topic(uniqueTopic('tomb'), conf(), { codec: new JsonCodec() }));
    await topic('gone', null);
    const [record] = await take(topic, 1);
    should(record.key).equal('gone');
    should(record.value).be.null();
  });
});
