import should from 'should';
import { numericBatch } from '../../lib/kafka/numeric-batch';
import { freshModule } from '../support/fresh-module';

type Batch = Record<string, unknown> & {
  isEmpty(): boolean;
  isEmptyIncludingFiltered(): boolean;
  isEmptyDueToFiltering(): boolean;
  isEmptyControlRecord(): boolean;
  isEmptyDueToLogCompactedMessages(): boolean;
  firstOffset(): string | null;
  lastOffset(): string;
  offsetLag(): string;
  offsetLagLow(): string;
};
type BatchConstructor = new (topic: string, fetchedOffset: string, partitionData: object) => Batch;

interface Fetched {
  offset: string;
  key: Buffer | null;
  isControlRecord: boolean;
  batchContext: { producerId: string; inTransaction: boolean };
}

/** Records as kafkajs's decoder gives them: `control` records are transaction markers (key 0 0 0 0: abort). */
function fetched(offsets: number[], { producerId = '-1', inTransaction = false, control = [] as number[], abort = false } = {}): Fetched[] {
  return offsets.map((offset) => ({
    offset: String(offset),
    key: control.includes(offset) ? Buffer.from([0, 0, 0, abort ? 0 : 1]) : Buffer.from(`k${offset}`),
    isControlRecord: control.includes(offset),
    batchContext: { producerId, inTransaction },
  }));
}

describe('kafkajs Batch with offsets compared as numbers', () => {
  const Kafkajs = freshModule<BatchConstructor>('kafkajs/src/consumer/batch'); // kafkajs 2.2.4's own (the library replaced the cached one)
  const Numeric = numericBatch(Kafkajs as never) as unknown as BatchConstructor;

  const cases: Array<[string, string, object]> = [
    ['every record at or after the fetched offset', '100', { partition: 2, highWatermark: '110', messages: fetched([100, 101, 102]) }],
    ['records before the fetched offset (a compressed batch starts earlier)', '102', { partition: 0, highWatermark: '105', messages: fetched([100, 101, 102, 103, 104]) }],
    ['only records before the fetched offset (log compaction)', '205', { partition: 0, highWatermark: '210', messages: fetched([200, 201]) }],
    ['no records', '7', { partition: 1, highWatermark: '7', messages: [] }],
    ['a transaction marker last', '10', { partition: 0, highWatermark: '14', messages: fetched([10, 11, 12, 13], { control: [13] }) }],
    ['only a transaction marker', '13', { partition: 0, highWatermark: '14', messages: fetched([13], { control: [13] }) }],
    [
      'an aborted transaction among committed records (read_committed)',
      '20',
      {
        partition: 0,
        highWatermark: '30',
        abortedTransactions: [{ producerId: '7', firstOffset: '22' }],
        messages: [...fetched([20, 21]), ...fetched([22, 23], { producerId: '7', inTransaction: true }), ...fetched([24], { producerId: '7', inTransaction: true, control: [24], abort: true }), ...fetched([25, 26])],
      },
    ],
    ['offsets past 2^32', '4294967296', { partition: 0, highWatermark: '4294967299', messages: fetched([4294967296, 4294967297, 4294967298]) }],
    ['offsets numbers cannot hold exactly (kafkajs decides)', '9007199254740993', { partition: 0, highWatermark: '9007199254740996', messages: [{ offset: '9007199254740993', key: null, isControlRecord: false, batchContext: { producerId: '-1', inTransaction: false } }, { offset: '9007199254740995', key: null, isControlRecord: false, batchContext: { producerId: '-1', inTransaction: false } }] }],
  ];

  for (const [name, fetchedOffset, partitionData] of cases) {
    it(`${name}: the same batch as kafkajs's`, () => {
      const ours = new Numeric('t', fetchedOffset, partitionData);
      const theirs = new Kafkajs('t', fetchedOffset, partitionData);
      should(ours).be.instanceOf(Kafkajs);
      should({ ...ours }).eql({ ...theirs });
      for (const method of ['isEmpty', 'isEmptyIncludingFiltered', 'isEmptyDueToFiltering', 'isEmptyControlRecord', 'isEmptyDueToLogCompactedMessages', 'firstOffset', 'lastOffset', 'offsetLag', 'offsetLagLow'] as const) {
        should(ours[method]()).eql(theirs[method](), `${method}()`);
      }
    });
  }

  it('keeps the records themselves, not copies', () => {
    const messages = fetched([5, 6]);
    const batch = new Numeric('t', '5', { partition: 0, highWatermark: '7', messages });
    should(batch.messages).eql(messages);
    should((batch.messages as Fetched[])[1]).equal(messages[1]);
  });
});
