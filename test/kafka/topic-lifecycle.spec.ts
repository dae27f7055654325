// Topic on the real broker: who closes it, seeks outside a partition's records, and refused topic names.
import should from 'should';
import { Conf, handle, stream } from '../../lib';
import { consoleLogger, type Logger } from '../../lib/log';
import { KafkaConnection, Topic, TopicError } from '../../lib/topic';
import { brokers, createTopic, kafka, take, trackTopics, uniqueTopic } from '../support/kafka';
import { waitFor } from '../support/wait';

function memoryLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info: () => undefined, warn: (m) => warnings.push(m), error: (m) => warnings.push(`error: ${m}`) };
}

/** Counts the calls of `topic.close()` (what its exit hook runs). */
function countCloses(topic: Topic): { count: number } {
  const counter = { count: 0 };
  const close = topic.close.bind(topic);
  topic.close = () => {
    counter.count++;
    return close();
  };
  return counter;
}

describe('Topic lifecycle on the real broker', function () {
  this.timeout(60_000);
  const track = trackTopics();

  describe('exit hooks', () => {
    it('a new Topic registers nothing with Conf', () => {
      track(new Topic(uniqueTopic('unbound'), { brokers: brokers() }));
      should(new Conf().exitHooks.size).equal(0);
    });

    it('handle() registers the exit hooks of its source and sink Topics, and stream() runs each once', async () => {
      const input = uniqueTopic('hooks-in');
      const output = uniqueTopic('hooks-out');
      const topic = track(new Topic(input, { brokers: brokers(), groupId: uniqueTopic('group'), fromBeginning: true }));
      const sink = track(new Topic(output, { brokers: brokers() }));
      const topicCloses = countCloses(topic);
      const sinkCloses = countCloses(sink);
      async function* values(): AsyncGenerator<string> {
        yield 'v';
        yield 'stop';
      }
      // `topic` is bound twice, as a sink and as a source: its hook is still registered (and run) once.
      handle(values(), { sink: [topic] })(function produce(value: string) {
        return ['k', value];
      });
      handle(topic, { sink: [sink] })(function forward(record: { key: string; value: string }) {
        if (record.value === 'stop') throw new Error('enough');
        return [record.key, `${record.value}!`];
      });
      should(new Conf().exitHooks.size).equal(2);
      await should(stream()).be.rejectedWith(/enough/);
      should(topicCloses.count).equal(1);
      should(sinkCloses.count).equal(1);
      // What the sink queued was sent before it closed.
      const reader = track(new Topic(output, { brokers: brokers(), groupId: uniqueTopic('group'), fromBeginning: true }));
      should((await take(reader, 1))[0]).match({ key: 'k', value: 'v!' });
    });
  });

  it('a Topic on a shared connection that its owner closed fails to send instead of opening a new client', async () => {
    const connection = KafkaConnection.fromConf({ brokers: brokers() }, consoleLogger);
    const topic = track(new Topic(uniqueTopic('shared'), {}, { connection }));
    await topic('k', 'before');
    await connection.close();
    await should(topic('k', 'after')).be.rejectedWith(/Error while producing to Topic .*: the Kafka connection was closed/);
  });

  describe('seek outside the records of a partition', () => {
    /** A one-partition topic with offsets 0..9 of which 0..2 are deleted: low watermark 3, high 10. */
    async function topicWithWatermarks(): Promise<string> {
      const name = uniqueTopic('watermarks');
      await createTopic(name, 1);
      const producer = kafka().producer();
      await producer.connect();
      await producer.send({ topic: name, messages: Array.from({ length: 10 }, (_, i) => ({ value: `m${i}` })) });
      await producer.disconnect();
      const admin = kafka().admin();
      await admin.connect();
      await admin.fetchTopicMetadata({ topics: [name] }); // deleteTopicRecords needs it loaded
      await admin.deleteTopicRecords({ topic: name, partitions: [{ partition: 0, offset: '3' }] });
      await admin.disconnect();
      return name;
    }

    it('with auto_offset_reset earliest goes to the low watermark, past the end and before the start, and warns', async () => {
      const name = await topicWithWatermarks();
      const logger = memoryLogger();
      const topic = track(new Topic(name, { brokers: brokers(), groupId: uniqueTopic('group'), auto_offset_reset: 'earliest' }, { logger }));
      should((await take(topic, 5)).map((r) => r.offset)).eql([3, 4, 5, 6, 7]);
      await topic.seek(100);
      should((await take(topic, 1))[0].offset).equal(3);
      should(logger.warnings).eql([
        `Topic ${name} partition 0: offset 100 is out of range (3 to 10); seeking to the low watermark 3 instead (auto_offset_reset: earliest)`,
      ]);
      await take(topic, 3);
      await topic.seek({ 0: 1 });
      should((await take(topic, 1))[0].offset).equal(3);
      should(logger.warnings[1]).match(/offset 1 is out of range \(3 to 10\); seeking to the low watermark 3/);
      await topic.seek(10); // the high watermark itself is in range: the next record produced
      await topic.seek(5);
      should((await take(topic, 1))[0].offset).equal(5);
      should(logger.warnings).have.length(2);
    });

    it('with auto_offset_reset latest (the default) goes to the high watermark, and warns', async () => {
      const name = await topicWithWatermarks();
      const logger = memoryLogger();
      const topic = track(new Topic(name, { brokers: brokers(), groupId: uniqueTopic('group') }, { logger, offset: 100 }));
      const next = take(topic, 1); // starts the consumer, which seeks to 100 once it has its partition
      const writer = track(new Topic(name, { brokers: brokers() }));
      await waitFor(() => logger.warnings.length === 1, 30_000, 'the seek at start');
      await writer(null, 'after');
      should((await next)[0]).match({ offset: 10, value: 'after' });
      should(logger.warnings[0]).equal(
        `Topic ${name} partition 0: offset 100 is out of range (3 to 10); seeking to the high watermark 10 instead (auto_offset_reset: latest)`,
      );
      await topic.seek(0);
      await writer(null, 'again');
      should((await take(topic, 1))[0]).match({ offset: 11, value: 'again' });
      should(logger.warnings[1]).match(/offset 0 is out of range \(3 to 11\); seeking to the high watermark 11/);
    });
  });

  describe('a topic name the broker refuses', () => {
    it('fails with a TopicError naming the topic, the operation, the broker code and why', async () => {
      const topic = track(new Topic('bad topic!', { brokers: brokers() }));
      const err = await topic('k', 'v').then(
        () => undefined,
        (e: Error) => e,
      );
      should(err).be.an.Error();
      should(err!.message).equal(
        'Error while producing to Topic bad topic!: Cannot create topic "bad topic!" (INVALID_TOPIC_EXCEPTION): ' +
          `it contains " " and "!"; a topic name may contain only ASCII letters, digits, '.', '_' and '-'`,
      );
      const cause = err!.cause as TopicError;
      should(cause).be.instanceOf(TopicError);
      should(cause).match({ name: 'TopicError', topic: 'bad topic!', operation: 'create', code: 'INVALID_TOPIC_EXCEPTION' });
    });

    it('explains a name that is too long', async () => {
      const name = 'x'.repeat(250);
      const topic = track(new Topic(name, { brokers: brokers(), groupId: uniqueTopic('group') }));
      const err = await topic.next().then(
        () => undefined,
        (e: Error) => e,
      );
      should((err!.cause as TopicError).reason).equal('it has 250 characters; a topic name has at most 249');
    });
  });
});

