import should from 'should';
import { currentRecord, useRecordScope } from '../../../lib/core/record-scope';
import {
  forgetOriginsOf,
  handOverAck,
  inRecordOf,
  originCompleted,
  originDelivered,
  originOf,
  type Settle,
  settleIfIdle,
  trackOrigin,
} from '../../../nodes/shared/record-scope';

/** What a message's `settle` was called with. */
type Settled = { error: Error | undefined; acked: PromiseLike<unknown> | undefined };

/** Track `msgId` for `owner`, recording each settle. */
function track(owner: object, msgId: string, record: { topic: string; partition: number; offset: number }): Settled[] {
  const settled: Settled[] = [];
  const settle: Settle = (_record, error, acked) => settled.push({ error, acked });
  trackOrigin(owner, msgId, record, settle);
  return settled;
}

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

  it('runs the work of a message topic-in sent as the handling of that very record (by _msgid), until it settled', () => {
    const record = { topic: 'payments', partition: 2, offset: 7 };
    track({}, 'm1', record);
    // A later node may have changed msg.topic / msg.partition: the record is what counts.
    should(inRecordOf({ _msgid: 'm1', topic: 'other', partition: 0 }, () => currentRecord())).equal(record);
    settleIfIdle('m1');
    should(inRecordOf({ _msgid: 'm1', topic: 'other', partition: 0 }, () => currentRecord())).eql({ topic: 'other', partition: 0 });
  });

  it('returns what the work returns', () => {
    should(inRecordOf({ topic: 't', partition: 0 }, () => 42)).equal(42);
  });
});

describe("nodes/shared: a topic-in message's completion", () => {
  const record = { topic: 'payments', partition: 0, offset: 1 };

  it('settles a message once every delivery of it has completed, once', () => {
    const settled = track({}, 'c1', record);
    originDelivered('c1'); // topic-in → function
    originDelivered('c1'); // topic-in → debug (a clone keeps the id)
    originCompleted('c1');
    should(settled).have.length(0);
    originDelivered('c1'); // function forwards it
    originCompleted('c1');
    should(settled).have.length(0);
    originCompleted('c1');
    should(settled).eql([{ error: undefined, acked: undefined }]);
    originCompleted('c1');
    should(settled).have.length(1);
    should(originOf({ _msgid: 'c1' })).be.undefined();
  });

  it('settles with the first error a node completed the message with', () => {
    const settled = track({}, 'c2', record);
    originDelivered('c2');
    originDelivered('c2');
    originCompleted('c2', new Error('topic-out gave up'));
    originCompleted('c2');
    should(settled).have.length(1);
    should(settled[0].error?.message).equal('topic-out gave up');
  });

  it('settles a message sent nowhere right after sending, not while a delivery is outstanding', () => {
    const idle = track({}, 'c3', record);
    settleIfIdle('c3');
    should(idle).have.length(1);
    const busy = track({}, 'c4', record);
    originDelivered('c4');
    settleIfIdle('c4');
    originCompleted('unknown');
    should(busy).have.length(0);
    originCompleted('c4');
    should(busy).have.length(1);
  });

  it("forgets the unfinished messages of a closing topic-in without settling them, and only that node's", () => {
    const closing = {};
    const other = {};
    const gone = track(closing, 'c5', record);
    const kept = track(other, 'c6', record);
    originDelivered('c5');
    originDelivered('c6');
    forgetOriginsOf(closing);
    should(originOf({ _msgid: 'c5' })).be.undefined();
    originCompleted('c5');
    should(gone).have.length(0);
    originCompleted('c6');
    should(kept).have.length(1);
  });
});

describe("nodes/shared: acknowledgements handed over to a message's record", () => {
  const record = { topic: 'payments', partition: 0, offset: 1 };

  it('settles with nothing to wait for when none was handed over, one ack as it is, several as one', async () => {
    const none = track({}, 'none', record);
    should(originOf({ _msgid: 'none' })).match({ record, acks: [] });
    settleIfIdle('none');
    should(none[0].acked).be.undefined();
    should(originOf({ _msgid: 'none' })).be.undefined();

    const acked = Promise.resolve();
    const single = track({}, 'one', record);
    const one = originOf({ _msgid: 'one' })!;
    handOverAck(one, acked);
    handOverAck(one, acked); // a request's ack shared by two outputs of the message counts once
    settleIfIdle('one');
    should(single[0].acked).equal(acked);

    let release!: () => void;
    const later = new Promise<void>((resolve) => (release = resolve));
    const double = track({}, 'two', record);
    const two = originOf({ _msgid: 'two' })!;
    handOverAck(two, acked);
    handOverAck(two, later);
    settleIfIdle('two');
    const both = double[0].acked as Promise<unknown>;
    let settled = false;
    void both.then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    should(settled).be.false(); // waits for the later one
    release();
    await both;
  });

  it('fails the combined wait with the failure of either, and ignores a message that settled', async () => {
    const settled = track({}, 'failing', record);
    const failing = originOf({ _msgid: 'failing' })!;
    handOverAck(failing, Promise.resolve());
    const failure = Promise.reject(new Error('too large'));
    failure.catch(() => undefined);
    handOverAck(failing, failure);
    settleIfIdle('failing');
    await should(settled[0].acked as Promise<unknown>).be.rejectedWith('too large');

    handOverAck(failing, Promise.resolve()); // settled meanwhile: nothing waits for it
    should(originOf({ _msgid: 'failing' })).be.undefined();
    should(originOf({})).be.undefined();
  });
});
