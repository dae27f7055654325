// The record scope (lib/core/record-scope.ts): entered only while something
// reads it, since AsyncLocalStorage keeps async hooks on for every promise.
import should from 'should';
import { freshModule } from '../support/fresh-module';

type RecordScope = typeof import('../../lib/core/record-scope');

/** A copy of the module of its own: other specs' changelog caches (left open) must not count as readers here. */
const freshRecordScope = (): RecordScope => freshModule<RecordScope>(require.resolve('../../lib/core/record-scope'));

describe('record scope', () => {
  it('is there across awaits while something reads it, and not entered once nothing does', async () => {
    const { currentRecord, runForRecord, useRecordScope } = freshRecordScope();
    const record = { topic: 't', partition: 1 };
    should(runForRecord(record, () => currentRecord())).be.undefined();
    const release = useRecordScope();
    const seen = await runForRecord(record, async () => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return currentRecord();
    });
    should(seen).equal(record);
    should(currentRecord()).be.undefined();
    const second = useRecordScope();
    release();
    release(); // a second call changes nothing: the other reader still reads
    should(runForRecord(record, () => currentRecord())).equal(record);
    second();
    should(runForRecord(record, () => currentRecord())).be.undefined();
  });
});
