import should from 'should';
import { CommitLedger, type FailurePolicy, type RecordPosition } from '../../lib/kafka/ledger';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function ledgerWith(onFailure: FailurePolicy = 'stop') {
  const failures: Array<{ record: RecordPosition; error: Error; policy: FailurePolicy }> = [];
  const ledger = new CommitLedger({ onFailure, changed: () => undefined, failed: (record, error, policy) => failures.push({ record, error, policy }) });
  return { ledger, failures };
}

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: Error) => void } {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('CommitLedger', () => {
  it('commits one past the longest run of finished records, whatever order they finish in', () => {
    const { ledger } = ledgerWith();
    for (const offset of [10, 11, 12, 13]) ledger.add('t', 0, offset);
    should(ledger.openCount).equal(4);
    ledger.finish({ topic: 't', partition: 0, offset: 12 });
    should(ledger.committable()).eql([]);
    ledger.finish({ topic: 't', partition: 0, offset: 10 });
    should(ledger.committable()).eql([{ topic: 't', partition: 0, offset: 11 }]);
    ledger.finish({ topic: 't', partition: 0, offset: 11 });
    should(ledger.committable()).eql([{ topic: 't', partition: 0, offset: 13 }]);
    should(ledger.openCount).equal(1);
    ledger.committed([{ topic: 't', partition: 0, offset: 13 }]);
    should(ledger.committable()).eql([]); // nothing new since the commit
    ledger.finish({ topic: 't', partition: 0, offset: 13 });
    should(ledger.committable()).eql([{ topic: 't', partition: 0, offset: 14 }]);
  });

  it('keeps partitions apart and skips gaps in offsets (compacted topics, transaction markers)', () => {
    const { ledger } = ledgerWith();
    ledger.add('t', 0, 5);
    ledger.add('t', 1, 100);
    ledger.add('t', 0, 9);
    ledger.finish({ topic: 't', partition: 0, offset: 9 });
    ledger.finish({ topic: 't', partition: 1, offset: 100 });
    should(ledger.committable()).eql([{ topic: 't', partition: 1, offset: 101 }]);
    ledger.finish({ topic: 't', partition: 0, offset: 5 });
    should(ledger.committable()).containDeep([{ topic: 't', partition: 0, offset: 10 }, { topic: 't', partition: 1, offset: 101 }]);
  });

  it('keeps topics apart: the same partition of two topics (a consumer of several topics)', () => {
    const { ledger } = ledgerWith();
    ledger.add('a', 0, 7);
    ledger.add('b', 0, 7);
    ledger.add('b', 0, 8);
    ledger.finish({ topic: 'b', partition: 0, offset: 7 });
    should(ledger.committable()).eql([{ topic: 'b', partition: 0, offset: 8 }]);
    ledger.finish({ topic: 'a', partition: 0, offset: 8 }); // never handed out: ignored
    should(ledger.openCount).equal(2);
    ledger.forget('b', 0);
    should(ledger.openCount).equal(1);
    ledger.finish({ topic: 'a', partition: 0, offset: 7 });
    should(ledger.committable()).eql([{ topic: 'a', partition: 0, offset: 8 }]);
  });

  it('counts a record done only once its `after` resolves, and frees its in-flight slot at once', async () => {
    const { ledger } = ledgerWith();
    ledger.add('t', 0, 0);
    ledger.add('t', 0, 1);
    const ack = deferred();
    ledger.finish({ topic: 't', partition: 0, offset: 0 }, ack.promise);
    ledger.finish({ topic: 't', partition: 0, offset: 1 });
    should(ledger.openCount).equal(0);
    should(ledger.settled).be.false();
    should(ledger.committable()).eql([]);
    ack.resolve();
    await tick();
    should(ledger.settled).be.true();
    should(ledger.committable()).eql([{ topic: 't', partition: 0, offset: 2 }]);
  });

  it('stop: a failed record is never committed, nor anything after it, and the failure is reported', async () => {
    const { ledger, failures } = ledgerWith('stop');
    for (const offset of [0, 1, 2]) ledger.add('t', 0, offset);
    ledger.finish({ topic: 't', partition: 0, offset: 0 });
    ledger.finish({ topic: 't', partition: 0, offset: 1 }, Promise.reject(new Error('broker said no')));
    ledger.finish({ topic: 't', partition: 0, offset: 2 });
    await tick();
    should(ledger.committable()).eql([{ topic: 't', partition: 0, offset: 1 }]);
    should(failures).have.length(1);
    should(failures[0]).match({ record: { topic: 't', partition: 0, offset: 1 }, policy: 'stop' });
    should(failures[0].error.message).equal('broker said no');
  });

  it('hold: commits stop at the failed record while later records are still handled; held() says where', async () => {
    const { ledger, failures } = ledgerWith('hold');
    for (const offset of [0, 1, 2, 3]) ledger.add('t', 0, offset);
    ledger.finish({ topic: 't', partition: 0, offset: 0 });
    ledger.finish({ topic: 't', partition: 0, offset: 1 }, Promise.reject(new Error('flow failed')));
    await tick();
    ledger.finish({ topic: 't', partition: 0, offset: 2 });
    ledger.finish({ topic: 't', partition: 0, offset: 3 });
    should(ledger.openCount).equal(0);
    should(ledger.committable()).eql([{ topic: 't', partition: 0, offset: 1 }]);
    should(ledger.held()).match([{ topic: 't', partition: 0, offset: 1, error: { message: 'flow failed' } }]);
    should(failures[0].policy).equal('hold');
  });

  it('hold: commits stop at the lowest failed offset, whichever failed first', async () => {
    const { ledger } = ledgerWith('hold');
    for (const offset of [0, 1, 2, 3]) ledger.add('t', 0, offset);
    ledger.finish({ topic: 't', partition: 0, offset: 0 });
    ledger.finish({ topic: 't', partition: 0, offset: 3 }, Promise.reject(new Error('late one')));
    await tick();
    ledger.finish({ topic: 't', partition: 0, offset: 1 }, Promise.reject(new Error('early one')));
    ledger.finish({ topic: 't', partition: 0, offset: 2 });
    await tick();
    should(ledger.committable()).eql([{ topic: 't', partition: 0, offset: 1 }]);
    should(ledger.held()).match([{ topic: 't', partition: 0, offset: 1, error: { message: 'early one' } }]);
  });

  it('hold: drops the records finished after the held one from a long list, and still finds the ones left, wherever they are', async () => {
    const { ledger } = ledgerWith('hold');
    const n = 20_000;
    for (let offset = 0; offset < n; offset++) ledger.add('t', 0, offset * 2); // gaps: odd offsets were never handed out
    ledger.finish({ topic: 't', partition: 0, offset: 0 });
    ledger.finish({ topic: 't', partition: 0, offset: 2 }, Promise.reject(new Error('held here')));
    await tick();
    // Every third record stays open; the others finish, are dropped, and the list is compacted meanwhile.
    for (let i = 2; i < n; i++) if (i % 3 !== 0) ledger.finish({ topic: 't', partition: 0, offset: i * 2 });
    should(ledger.openCount).equal(Math.floor((n - 1) / 3));
    ledger.finish({ topic: 't', partition: 0, offset: 5 }); // never handed out
    ledger.finish({ topic: 't', partition: 0, offset: 8 }); // dropped already: finished twice
    should(ledger.openCount).equal(Math.floor((n - 1) / 3));
    for (let i = n - 1; i >= 3; i--) if (i % 3 === 0) ledger.finish({ topic: 't', partition: 0, offset: i * 2 }); // backwards
    should(ledger.openCount).equal(0);
    should(ledger.committable()).eql([{ topic: 't', partition: 0, offset: 1 }]);
    should(ledger.held()).match([{ topic: 't', partition: 0, offset: 2, error: { message: 'held here' } }]);
  });

  it('finds records among gaps in offsets whatever order they finish in, and ignores offsets it never handed out', () => {
    const { ledger } = ledgerWith();
    const offsets = Array.from({ length: 3_000 }, (_, i) => i * 3 + (i % 7 === 0 ? 1 : 0)); // gaps of 2 to 4
    for (const offset of offsets) ledger.add('t', 0, offset);
    ledger.finish({ topic: 't', partition: 0, offset: 2 }); // a gap between 1 and 3: never handed out
    should(ledger.openCount).equal(offsets.length);
    const shuffled = [...offsets].sort((a, b) => ((a * 7919) % 3001) - ((b * 7919) % 3001));
    for (const offset of shuffled.slice(1)) ledger.finish({ topic: 't', partition: 0, offset });
    should(ledger.openCount).equal(1);
    ledger.finish({ topic: 't', partition: 0, offset: shuffled[0] });
    should(ledger.openCount).equal(0);
    should(ledger.committable()).eql([{ topic: 't', partition: 0, offset: offsets[offsets.length - 1] + 1 }]);
  });

  it('after a seek, commits the new position next', () => {
    const { ledger } = ledgerWith();
    ledger.add('t', 0, 10);
    ledger.finish({ topic: 't', partition: 0, offset: 10 });
    ledger.committed(ledger.committable());
    ledger.forget('t', 0, 3); // seeked back to 3
    should(ledger.committable()).eql([{ topic: 't', partition: 0, offset: 3 }]);
  });

  it('skip: a failed record counts as done', async () => {
    const { ledger, failures } = ledgerWith('skip');
    for (const offset of [0, 1]) ledger.add('t', 0, offset);
    ledger.finish({ topic: 't', partition: 0, offset: 0 }, Promise.reject(new Error('flow failed')));
    ledger.finish({ topic: 't', partition: 0, offset: 1 });
    await tick();
    should(ledger.committable()).eql([{ topic: 't', partition: 0, offset: 2 }]);
    should(failures[0].policy).equal('skip');
  });

  it('forgets a partition (seek, rebalance): its records no longer count, late finishes are ignored', async () => {
    const { ledger } = ledgerWith();
    ledger.add('t', 0, 0);
    ledger.add('t', 0, 1);
    const ack = deferred();
    ledger.finish({ topic: 't', partition: 0, offset: 0 }, ack.promise);
    ledger.forget('t', 0);
    should(ledger.openCount).equal(0);
    ack.reject(new Error('too late to matter')); // no unhandled rejection, no failure
    ledger.finish({ topic: 't', partition: 0, offset: 1 });
    await tick();
    should(ledger.committable()).eql([]);
    ledger.add('t', 0, 7);
    ledger.finish({ topic: 't', partition: 0, offset: 7 });
    should(ledger.committable()).eql([{ topic: 't', partition: 0, offset: 8 }]);
  });

  it('takes 200,000 records finished out of order in one pass (the old tracker scanned every in-flight record per finish)', () => {
    const { ledger } = ledgerWith();
    const n = 200_000;
    for (let offset = 0; offset < n; offset++) ledger.add('t', 0, offset);
    for (let offset = 1; offset < n; offset++) ledger.finish({ topic: 't', partition: 0, offset });
    ledger.finish({ topic: 't', partition: 0, offset: 0 });
    should(ledger.committable()).eql([{ topic: 't', partition: 0, offset: n }]);
  });
});
