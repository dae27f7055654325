import should from 'should';
import { currentRecord, useRecordScope } from '../../../lib/core/record-scope';
import { forgetOrigin, handOverAck, inRecordOf, originOf, rememberOrigin } from '../../../nodes/shared/record-scope';

describe('nodes/shared: inRecordOf', () => {
  // As while a changelog cache or an exactly-once consumer reads the scope.
  let release: () => void;
  beforeEach(() => (release = useRecordScope()));
  afterEach(() => release());

  it("runs a topic-in message's work as the handling of its record, also across awaits", async () => {
    const seen = await inRecordOf({ topic: 'payments', partition: 3, payload: 1 } as never, async () => {
      const before = currentRecord();
      await new Promise((resolve) => setTimeout(resolve, 5));
      return [before, currentRecord()];
    });
    should(seen).eql([
      { topic: 'payments', partition: 3 },
      { topic: 'payments', partition: 3 },
    ]);
    should(currentRecord()).be.undefined();
  });

  it('runs any other message as it is (its writes go to their key partition)', () => {
    for (const msg of [{}, { topic: 'payments' }, { partition: 1 }, { topic: 'payments', partition: '1' }, { topic: 7, partition: 1 }, { topic: 'p', partition: -1 }, { topic: 'p', partition: 1.5 }]) {
      should(inRecordOf(msg, () => currentRecord())).be.undefined();
    }
  });

  it('runs the work of a message topic-in sent as the handling of that very record (by _msgid), until it is forgotten', () => {
    const record = { topic: 'payments', partition: 2, offset: 7 };
    rememberOrigin('m1', record);
    // A later node may have changed msg.topic / msg.partition: the record is what counts.
    should(inRecordOf({ _msgid: 'm1', topic: 'other', partition: 0 }, () => currentRecord())).equal(record);
    forgetOrigin('m1');
    should(inRecordOf({ _msgid: 'm1', topic: 'other', partition: 0 }, () => currentRecord())).eql({ topic: 'other', partition: 0 });
  });

  it('returns what the work returns', () => {
    should(inRecordOf({ topic: 't', partition: 0 }, () => 42)).equal(42);
  });
});

describe('nodes/shared: acknowledgements handed over to a message\'s record', () => {
  const record = { topic: 'payments', partition: 0, offset: 1 };

  it('gives forgetOrigin nothing to wait for when none was handed over, one ack as it is, several as one', async () => {
    rememberOrigin('none', record);
    should(originOf({ _msgid: 'none' })).match({ record, acks: [] });
    should(forgetOrigin('none')).be.undefined();
    should(originOf({ _msgid: 'none' })).be.undefined();

    const acked = Promise.resolve();
    rememberOrigin('one', record);
    const one = originOf({ _msgid: 'one' })!;
    handOverAck(one, acked);
    handOverAck(one, acked); // a request's ack shared by two outputs of the message counts once
    should(forgetOrigin('one')).equal(acked);

    let release!: () => void;
    const later = new Promise<void>((resolve) => (release = resolve));
    rememberOrigin('two', record);
    const two = originOf({ _msgid: 'two' })!;
    handOverAck(two, acked);
    handOverAck(two, later);
    const both = forgetOrigin('two') as Promise<unknown>;
    let settled = false;
    void both.then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    should(settled).be.false(); // waits for the later one
    release();
    await both;
  });

  it('fails the combined wait with the failure of either, and ignores a message whose record was forgotten', async () => {
    rememberOrigin('failing', record);
    const failing = originOf({ _msgid: 'failing' })!;
    handOverAck(failing, Promise.resolve());
    const failure = Promise.reject(new Error('too large'));
    failure.catch(() => undefined);
    handOverAck(failing, failure);
    await should(forgetOrigin('failing') as Promise<unknown>).be.rejectedWith('too large');

    handOverAck(failing, Promise.resolve()); // forgotten meanwhile: nothing waits for it
    should(originOf({ _msgid: 'failing' })).be.undefined();
    should(originOf({})).be.undefined();
    should(forgetOrigin('gone')).be.undefined();
  });
});
