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
    for (const offset of [10, 11, 12, 13]) ledger.add(0, offset);
    should(ledger.openCount).equal(4);
    ledger.finish({ partition: 0, offset: 12 });
    should(ledger.committable()).eql([]);
    ledger.finish({ partition: 0, offset: 10 });
    should(ledger.committable()).eql([{ partition: 0, offset: 11 }]);
    ledger.finish({ partition: 0, offset: 11 });
    should(ledger.committable()).eql([{ partition: 0, offset: 13 }]);
    should(ledger.openCount).equal(1);
    ledger.committed([{ partition: 0, offset: 13 }]);
    should(ledger.committable()).eql([]); // nothing new since the commit
    ledger.finish({ partition: 0, offset: 13 });
    should(ledger.committable()).eql([{ partition: 0, offset: 14 }]);
  });

  it('keeps partitions apart and skips gaps in offsets (compacted topics, transaction markers)', () => {
    const { ledger } = ledgerWith();
    ledger.add(0, 5);
    ledger.add(1, 100);
    ledger.add(0, 9);
    ledger.finish({ partition: 0, offset: 9 });
    ledger.finish({ partition: 1, offset: 100 });
    should(ledger.committable()).eql([{ partition: 1, offset: 101 }]);
    ledger.finish({ partition: 0, offset: 5 });
    should(ledger.committable()).containDeep([{ partition: 0, offset: 10 }, { partition: 1, offset: 101 }]);
  });

  it('counts a record done only once its `after` resolves, and frees its in-flight slot at once', async () => {
    const { ledger } = ledgerWith();
    ledger.add(0, 0);
    ledger.add(0, 1);
    const ack = deferred();
    ledger.finish({ partition: 0, offset: 0 }, ack.promise);
    ledger.finish({ partition: 0, offset: 1 });
    should(ledger.openCount).equal(0);
    should(ledger.settled).be.false();
    should(ledger.committable()).eql([]);
    ack.resolve();
    await tick();
    should(ledger.settled).be.true();
    should(ledger.committable()).eql([{ partition: 0, offset: 2 }]);
  });

  it('stop: a failed record is never committed, nor anything after it, and the failure is reported', async () => {
    const { ledger, failures } = ledgerWith('stop');
    for (const offset of [0, 1, 2]) ledger.add(0, offset);
    ledger.finish({ partition: 0, offset: 0 });
    ledger.finish({ partition: 0, offset: 1 }, Promise.reject(new Error('broker said no')));
    ledger.finish({ partition: 0, offset: 2 });
    await tick();
    should(ledger.committable()).eql([{ partition: 0, offset: 1 }]);
    should(failures).have.length(1);
    should(failures[0]).match({ record: { partition: 0, offset: 1 }, policy: 'stop' });
    should(failures[0].error.message).equal('broker said no');
  });

  it('hold: commits stop at the failed record while later records are still handled; held() says where', async () => {
    const { ledger, failures } = ledgerWith('hold');
    for (const offset of [0, 1, 2, 3]) ledger.add(0, offset);
    ledger.finish({ partition: 0, offset: 0 });
    ledger.finish({ partition: 0, offset: 1 }, Promise.reject(new Error('flow failed')));
    await tick();
    ledger.finish({ partition: 0, offset: 2 });
    ledger.finish({ partition: 0, offset: 3 });
    should(ledger.openCount).equal(0);
    should(ledger.committable()).eql([{ partition: 0, offset: 1 }]);
    should(ledger.held()).match([{ partition: 0, offset: 1, error: { message: 'flow failed' } }]);
    should(failures[0].policy).equal('hold');
  });

  it('skip: a failed record counts as done', async () => {
    const { ledger, failures } = ledgerWith('skip');
    for (const offset of [0, 1]) ledger.add(0, offset);
    ledger.finish({ partition: 0, offset: 0 }, Promise.reject(new Error('flow failed')));
    ledger.finish({ partition: 0, offset: 1 });
    await tick();
    should(ledger.committable()).eql([{ partition: 0, offset: 2 }]);
    should(failures[0].policy).equal('skip');
  });

  it('forgets a partition (seek, rebalance): its records no longer count, late finishes are ignored', async () => {
    const { ledger } = ledgerWith();
    ledger.add(0, 0);
    ledger.add(0, 1);
    const ack = deferred();
    ledger.finish({ partition: 0, offset: 0 }, ack.promise);
    ledger.forget(0);
    should(ledger.openCount).equal(0);
    ack.reject(new Error('too late to matter')); // no unhandled rejection, no failure
    ledger.finish({ partition: 0, offset: 1 });
    await tick();
    should(ledger.committable()).eql([]);
    ledger.add(0, 7);
    ledger.finish({ partition: 0, offset: 7 });
    should(ledger.committable()).eql([{ partition: 0, offset: 8 }]);
  });

  it('takes 200,000 records finished out of order in one pass (the old tracker scanned every in-flight record per finish)', () => {
    const { ledger } = ledgerWith();
    const n = 200_000;
    for (let offset = 0; offset < n; offset++) ledger.add(0, offset);
    for (let offset = 1; offset < n; offset++) ledger.finish({ partition: 0, offset });
    ledger.finish({ partition: 0, offset: 0 });
    should(ledger.committable()).eql([{ partition: 0, offset: n }]);
  });
});
