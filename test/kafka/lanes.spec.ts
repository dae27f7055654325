// stream() takes a Topic's records through its commit ledger: partitions in
// lanes (concurrently, each in order), every record committed only once its
// handler is done, and undecodable records counted as done in both finish modes.
import should from 'should';
import { Conf, handle, JsonCodec, Signal, stream } from '../../lib';
import { Topic, type TopicRecord } from '../../lib/topic';
import { brokers, createTopic, kafka, trackTopics, uniqueTopic } from '../support/kafka';
import { sleep, waitFor } from '../support/wait';

/** Send `values` to `partition` of `topic`, in order. */
async function send(topic: string, partition: number, values: string[]): Promise<void> {
  const producer = kafka().producer();
  await producer.connect();
  await producer.send({ topic, messages: values.map((value) => ({ partition, value })) });
  await producer.disconnect();
}

/** The group's committed offsets per partition (-1: none). */
async function committed(groupId: string, topic: string): Promise<Record<number, number>> {
  const admin = kafka().admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return Object.fromEntries(offsets.partitions.map((p) => [p.partition, Number(p.offset)]));
  } finally {
    await admin.disconnect();
  }
}

describe('Topic through stream(): lanes and the commit ledger (real broker)', function () {
  this.timeout(90_000);
  const track = trackTopics();

  function topicOf(name: string, groupId: string): Topic<string> {
    return track(new Topic<string>(name, { brokers: brokers(), groupId, fromBeginning: true, autoCommitInterval: 200 }));
  }

  it('handles partitions concurrently, each partition in order', async () => {
    const name = uniqueTopic('lanes');
    await createTopic(name, 2);
    await send(name, 0, ['a0', 'a1', 'a2']);
    await send(name, 1, ['b0', 'b1', 'b2']);
    const topic = topicOf(name, uniqueTopic('g'));
    const seen: string[] = [];
    let b0Handled!: () => void;
    const b0 = new Promise<void>((resolve) => (b0Handled = resolve));
    handle(topic)(async function concurrent(record: TopicRecord<string>) {
      // a0 waits for b0: handled one at a time, this would never end.
      if (record.value === 'a0') await b0;
      seen.push(record.value);
      if (record.value === 'b0') b0Handled();
      if (seen.length === 6) setImmediate(() => void topic.exitHook());
    });
    await stream();
    should(seen.filter((v) => v.startsWith('a'))).eql(['a0', 'a1', 'a2']);
    should(seen.filter((v) => v.startsWith('b'))).eql(['b0', 'b1', 'b2']);
    should(seen.indexOf('b0')).be.below(seen.indexOf('a0'));
  });

  it("concurrency 'sequential' handles one record at a time", async () => {
    const name = uniqueTopic('sequential');
    await createTopic(name, 3);
    for (const p of [0, 1, 2]) await send(name, p, ['x', 'y']);
    const topic = topicOf(name, uniqueTopic('g'));
    let running = 0;
    let most = 0;
    let handled = 0;
    handle(topic, { concurrency: 'sequential' })(async function oneAtATime() {
      most = Math.max(most, ++running);
      await sleep(5);
      running--;
      if (++handled === 6) setImmediate(() => void topic.exitHook());
    });
    await stream();
    should(handled).equal(6);
    should(most).equal(1);
  });

  it('a failing handler stops the stream; its record is not committed, records finished before it are', async () => {
    const name = uniqueTopic('lanes-fail');
    const groupId = uniqueTopic('g');
    await createTopic(name, 1);
    await send(name, 0, ['ok0', 'ok1', 'boom', 'later']);
    const topic = topicOf(name, groupId);
    handle(topic, { concurrency: 'sequential' })(function judge(record: TopicRecord<string>) {
      if (record.value === 'boom') throw new Error('cannot handle boom');
    });
    await should(stream()).be.rejectedWith(/Handler "judge" failed/);
    should((await committed(groupId, name))[0]).equal(2); // ok0 and ok1; boom comes again
  });

  it('two handlers on one topic each see every record, and records are committed once both are done', async () => {
    const name = uniqueTopic('two-handlers');
    const groupId = uniqueTopic('g');
    await createTopic(name, 2);
    await send(name, 0, ['a0', 'a1']);
    await send(name, 1, ['b0', 'b1']);
    const topic = topicOf(name, groupId);
    const first: string[] = [];
    const second: string[] = [];
    handle(topic)(function one(record: TopicRecord<string>) {
      first.push(record.value);
    });
    handle(topic)(async function two(record: TopicRecord<string>) {
      await sleep(10);
      second.push(record.value);
    });
    const running = stream();
    await waitFor(() => second.length === 4, 20_000, 'both handlers to see every record', 100);
    const bothCommitted = async (): Promise<boolean> => {
      const offsets = await committed(groupId, name);
      return offsets[0] === 2 && offsets[1] === 2;
    };
    await waitFor(bothCommitted, 20_000, 'both partitions to be committed', 100);
    await topic.exitHook();
    await running;
    should(first.sort()).eql(['a0', 'a1', 'b0', 'b1']);
  });

  it('a seek is committed, so that a restart goes on from the new position', async () => {
    const name = uniqueTopic('seek-commit');
    const groupId = uniqueTopic('g');
    await createTopic(name, 1);
    await send(name, 0, ['r0', 'r1', 'r2', 'r3']);
    const topic = topicOf(name, groupId);
    const seen: string[] = [];
    handle(topic)(async function replay(record: TopicRecord<string>) {
      seen.push(record.value);
      if (seen.length === 4) await topic.seek(1); // replay from r1, as a Checkpoint recovery does
    });
    const running = stream();
    await waitFor(() => seen.length >= 7, 20_000, 'the replay', 100);
    await topic.exitHook();
    await running;
    should(seen.slice(0, 7)).eql(['r0', 'r1', 'r2', 'r3', 'r1', 'r2', 'r3']);
    should((await committed(groupId, name))[0]).equal(4);
  });

  it('ends (rejects) when a handler fails while the stream is paused and other lanes wait for the resume', async () => {
    const name = uniqueTopic('fail-paused');
    await createTopic(name, 2);
    await send(name, 1, ['b0', 'b1', 'b2']);
    const topic = topicOf(name, uniqueTopic('g'));
    let bStarted = 0;
    handle(topic)(async function pausesThenFails(record: TopicRecord<string>) {
      if (record.value.startsWith('b')) {
        bStarted++;
        await sleep(100);
        return;
      }
      const conf = new Conf();
      conf.iterables.get(conf.iterableKey(topic))?.sendSignal(Signal.PAUSE);
      await sleep(200);
      throw new Error('failed while paused');
    });
    const running = stream();
    await waitFor(() => bStarted === 1, 20_000, 'the first b record', 100);
    await send(name, 0, ['a0']);
    await should(running).be.rejectedWith(/Handler "pausesThenFails" failed/);
    should(bStarted).be.below(3); // the pause held the rest
  });

  it('an undecodable record alone in its fetch is skipped as done, in manual finish mode too', async () => {
    const name = uniqueTopic('undecodable');
    const groupId = uniqueTopic('g');
    await createTopic(name, 1);
    const skipped: Array<{ offset: number; value: string }> = [];
    const topic = track(
      new Topic<unknown>(
        name,
        { brokers: brokers(), groupId, fromBeginning: true, autoCommitInterval: 200 },
        { codec: new JsonCodec(), finishMode: 'manual', onSkippedRecord: (err) => skipped.push({ offset: err.offset, value: String(err.value) }) },
      ),
    );
    const first = topic.next();
    await send(name, 0, ['{broken']);
    await waitFor(() => skipped.length === 1, 20_000, 'the skip to be reported');
    should(skipped[0]).eql({ offset: 0, value: '{broken' });
    await send(name, 0, ['{"fine":true}']);
    const result = await first;
    should((result.value as TopicRecord).value).eql({ fine: true });
    topic.finish(result.value as TopicRecord);
    await waitFor(async () => (await committed(groupId, name))[0] === 2, 20_000, 'offset 2 to be committed', 100);
  });
});
