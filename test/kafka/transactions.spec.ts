// Kafka transactions through KafkaConnection.transactionalSender, on the real
// broker, with the producers on the produce thread and on the main thread:
// what readers of each isolation see, offsets committed with the outputs,
// fencing, calls out of turn, a failed send, and a produce thread that dies.
import should from 'should';
import { KafkaConnection, ProducerFencedError, Topic, type TopicRecord, TransactionalSender, TransactionStateError } from '../../lib/topic';
import type { Logger } from '../../lib/log';
import { brokers, createTopic, kafka, take, trackTopics, uniqueTopic } from '../support/kafka';

const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

for (const produceThread of [true, false]) {
  describe(`Kafka transactions on the real broker (${produceThread ? 'produce thread' : 'main thread'})`, function () {
    this.timeout(120_000);
    const track = trackTopics();
    const connections: KafkaConnection[] = [];
    afterEach(async () => {
      await Promise.all(connections.splice(0).map((c) => c.close()));
    });

    function connect(): KafkaConnection {
      const connection = KafkaConnection.fromConf({ brokers: brokers(), produceThread }, quiet);
      connections.push(connection);
      return connection;
    }

    /** The values a fresh consumer of `isolation` reads first from `topic`. */
    async function read(topic: string, count: number, isolation: 'read_committed' | 'read_uncommitted' = 'read_committed'): Promise<string[]> {
      const reader = track(new Topic<string>(topic, { brokers: brokers(), fromBeginning: true, isolation }, { logger: quiet }));
      return (await take(reader, count)).map((r: TopicRecord<string>) => r.value);
    }

    const send = (sender: TransactionalSender, topic: string, ...values: string[]) => sender.send({ topic, compression: 0, messages: values.map((v) => ({ value: v })) });

    it('a committed transaction is read by read_committed; an aborted one only by read_uncommitted', async () => {
      const topic = uniqueTopic('txn-visible');
      await createTopic(topic, 1);
      const sender = connect().transactionalSender(uniqueTopic('txn'));
      await sender.begin();
      should(await send(sender, topic, 'aborted-1', 'aborted-2')).eql([{ partition: 0, offset: 0 }, { partition: 0, offset: 1 }]);
      await sender.abort();
      await sender.begin();
      await send(sender, topic, 'committed');
      await sender.commit();
      should(await read(topic, 1, 'read_committed')).eql(['committed']);
      should(await read(topic, 3, 'read_uncommitted')).eql(['aborted-1', 'aborted-2', 'committed']);
    });

    it('sendOffsets + commit moves the group’s committed offsets with the outputs; abort leaves them', async () => {
      const [input, output, group] = [uniqueTopic('txn-in'), uniqueTopic('txn-out'), uniqueTopic('txn-group')];
      await createTopic(input, 2);
      await createTopic(output, 1);
      const admin = kafka().admin();
      await admin.connect();
      const committed = async () => (await admin.fetchOffsets({ groupId: group, topics: [input] }))[0].partitions.map(({ partition, offset }) => [partition, offset]).sort();
      /** The broker completes a commit (writes its markers) after answering it: offsets become readable a moment later. */
      const committedOnce = async (partition: number, offset: string) => {
        for (let tries = 0; tries < 100; tries++) {
          const offsets = await committed();
          if (offsets.some(([p, o]) => p === partition && o === offset)) return offsets;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        throw new Error(`partition ${partition} never reached offset ${offset}: ${JSON.stringify(await committed())}`);
      };
      try {
        const sender = connect().transactionalSender(uniqueTopic('txn'));
        await sender.begin();
        await send(sender, output, 'result-1');
        await sender.sendOffsets({ consumerGroupId: group, topics: [{ topic: input, partitions: [{ partition: 0, offset: 5 }, { partition: 1, offset: 7 }] }] });
        should(await committed()).eql([[0, '-1'], [1, '-1']]); // not before the commit
        await sender.commit();
        should(await committedOnce(0, '5')).eql([[0, '5'], [1, '7']]); // both at once

        await sender.begin();
        await send(sender, output, 'result-2');
        await sender.sendOffsets({ consumerGroupId: group, topics: [{ topic: input, partitions: [{ partition: 0, offset: 9 }] }] });
        await sender.abort();

        // Calls made without waiting take effect in call order.
        await Promise.all([
          sender.begin(),
          send(sender, output, 'result-3'),
          sender.sendOffsets({ consumerGroupId: group, topics: [{ topic: input, partitions: [{ partition: 1, offset: 8 }] }] }),
          sender.commit(),
        ]);
        should(await committedOnce(1, '8')).eql([[0, '5'], [1, '8']]); // not 9: that transaction was aborted
        should(await read(output, 2)).eql(['result-1', 'result-3']);
      } finally {
        await admin.disconnect();
      }
    });

    it('a second sender with the same transactional id fences the first: ProducerFencedError, for good', async () => {
      const topic = uniqueTopic('txn-fenced');
      await createTopic(topic, 1);
      const id = uniqueTopic('txn-shared');
      const zombie = connect().transactionalSender(id);
      await zombie.begin();
      await send(zombie, topic, 'from the zombie');
      const successor = connect().transactionalSender(id);
      await successor.begin(); // registers the id again: the broker aborts the zombie's transaction
      const fenced = await zombie.commit().then(() => undefined, (e: unknown) => e as ProducerFencedError);
      should(fenced).be.instanceOf(ProducerFencedError);
      should(fenced).match({ name: 'ProducerFencedError', transactionalId: id, operation: 'commit' });
      should((fenced as Error).cause).be.an.Error();
      const again = await zombie.begin().then(() => undefined, (e: unknown) => e as ProducerFencedError);
      should(again).match({ name: 'ProducerFencedError', operation: 'begin' });
      await send(successor, topic, 'from the successor');
      await successor.commit();
      await zombie.close();
      should(await read(topic, 1)).eql(['from the successor']);
    });

    it('rejects calls out of turn with a TransactionStateError, and malformed offsets before they join the transaction', async () => {
      const topic = uniqueTopic('txn-turns');
      await createTopic(topic, 1);
      const connection = connect();
      should(() => connection.transactionalSender('')).throw(TypeError, { message: /transactional id must be a non-empty string/ });
      const sender = connection.transactionalSender(uniqueTopic('txn'));
      const outOfTurn = (p: Promise<unknown>) => p.then(() => undefined, (e: unknown) => e as Error);
      should(await outOfTurn(send(sender, topic, 'early'))).match({ name: 'TransactionStateError', operation: 'send', state: 'idle', message: /send needs an open transaction .* call begin\(\) first/ });
      should(await outOfTurn(sender.commit())).match({ name: 'TransactionStateError', operation: 'commit', state: 'idle' });
      should(await outOfTurn(sender.abort())).match({ operation: 'abort', state: 'idle' });
      should(await outOfTurn(sender.sendOffsets({ consumerGroupId: 'g', topics: [] }))).match({ operation: 'sendOffsets', state: 'idle' });
      await sender.begin();
      should(await outOfTurn(sender.begin())).match({ name: 'TransactionStateError', operation: 'begin', state: 'open', message: /already open/ });
      should(await outOfTurn(sender.sendOffsets({ consumerGroupId: '', topics: [] }))).be.instanceOf(TypeError).and.match({ message: /consumerGroupId/ });
      const negative = await outOfTurn(sender.sendOffsets({ consumerGroupId: 'g', topics: [{ topic, partitions: [{ partition: 0, offset: -1 }] }] }));
      should(negative).be.instanceOf(RangeError).and.match({ message: /offset -1 of topic/ });
      await send(sender, topic, 'in turn');
      await sender.commit(); // the malformed calls were no part of it
      await sender.close();
      should(await outOfTurn(sender.begin())).match({ name: 'TransactionStateError', operation: 'begin', state: 'closed', message: /was closed/ });
      should(await read(topic, 1)).eql(['in turn']);
      should(await outOfTurn(sender.begin())).be.instanceOf(TransactionStateError);
      const another = connection.transactionalSender(uniqueTopic('txn'));
      await connection.close();
      await should(another.begin()).be.rejectedWith(/closed/);
      should(() => connection.transactionalSender('late')).throw(/the Kafka connection was closed/);
    });

    it('a send that fails makes commit abort the transaction and reject with that failure', async () => {
      const topic = uniqueTopic('txn-failed-send');
      await createTopic(topic, 1);
      const sender = connect().transactionalSender(uniqueTopic('txn'));
      await sender.begin();
      const written = send(sender, topic, 'written, then aborted');
      const tooLarge = send(sender, topic, 'x'.repeat(1_500_000)).then(() => undefined, (e: unknown) => e as Error);
      const commit = sender.commit().then(() => undefined, (e: unknown) => e as Error);
      await written;
      should((await tooLarge)?.message).match(/larger than the max message size/);
      should((await commit)?.message).match(/^the transaction was aborted, not committed: a send in it failed: .*larger than the max message size/);
      await sender.begin();
      await send(sender, topic, 'next transaction');
      await sender.commit();
      should(await read(topic, 1)).eql(['next transaction']);
      should(await read(topic, 2, 'read_uncommitted')).eql(['written, then aborted', 'next transaction']);
    });

    if (produceThread) {
      // A thread cannot be made to crash for real on demand: it is terminated, as in produce-thread.spec.ts.
      const workerOf = (connection: KafkaConnection) => (connection as unknown as { producers: { worker?: { terminate(): Promise<number> } } }).producers.worker;

      it('a produce thread that dies mid-transaction fails what waits; the next transaction starts afresh', async () => {
        const topic = uniqueTopic('txn-thread-dies');
        await createTopic(topic, 1);
        const connection = connect();
        const sender = connection.transactionalSender(uniqueTopic('txn'));
        await sender.begin();
        const sent = send(sender, topic, ...Array.from({ length: 2_000 }, (_, i) => `lost ${i}`));
        const commit = sender.commit();
        await workerOf(connection)?.terminate();
        await should(sent).be.rejectedWith(/the produce thread ended/);
        await should(commit).be.rejectedWith(/the produce thread ended/);
        await sender.begin(); // a new thread, a new producer with the same id: the broker aborts the lost transaction
        await send(sender, topic, 'after the thread died');
        await sender.commit();
        should(await read(topic, 1)).eql(['after the thread died']);
      });

      it('a transaction left open in a thread that died is lost: its next send says so, abort ends it', async () => {
        const topic = uniqueTopic('txn-thread-lost');
        await createTopic(topic, 1);
        const connection = connect();
        const sender = connection.transactionalSender(uniqueTopic('txn'));
        await sender.begin();
        await send(sender, topic, 'lost');
        await workerOf(connection)?.terminate();
        await should(send(sender, topic, 'to a new thread')).be.rejectedWith(/the transaction is lost: its producer was restarted/);
        await sender.abort();
        await sender.begin();
        await send(sender, topic, 'kept');
        await sender.commit();
        should(await read(topic, 1)).eql(['kept']);
      });
    }
  });
}
