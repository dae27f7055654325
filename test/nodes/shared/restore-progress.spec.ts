import should from 'should';
import { RestoreProgress } from '../../../nodes/shared/restore-progress';

const report = (partition: number, restored: number, total: number, changelog = 'g-db-changelog') => ({ changelog, partition, restored, total, done: restored >= total });

describe('nodes/shared: RestoreProgress', () => {
  it('adds up the running restores of every partition and changelog', () => {
    const progress = new RestoreProgress();
    should(progress.update(report(0, 0, 100))).equal(0);
    should(progress.update(report(1, 0, 300))).equal(0);
    should(progress.update(report(0, 0, 100, 'g-db-other-changelog'))).equal(0);
    should(progress.update(report(1, 150, 300))).equal(30);
  });

  it('a finished restore counts as whole until all are done, then nothing runs', () => {
    const progress = new RestoreProgress();
    progress.update(report(0, 0, 100));
    progress.update(report(1, 0, 100));
    should(progress.update(report(0, 100, 100))).equal(50);
    should(progress.update(report(1, 99, 100))).equal(99);
    should(progress.update(report(1, 100, 100))).be.undefined();
    // A later restore (a rebalance) starts from nothing.
    should(progress.update(report(2, 10, 40))).equal(25);
  });

  it('a partition with nothing to restore reports done at once: nothing runs', () => {
    should(new RestoreProgress().update(report(0, 0, 0))).be.undefined();
  });

  it('clear() forgets the running restores', () => {
    const progress = new RestoreProgress();
    progress.update(report(0, 10, 100));
    progress.clear();
    should(progress.update(report(1, 0, 0))).be.undefined();
  });
});
