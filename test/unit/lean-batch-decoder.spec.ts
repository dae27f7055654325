import should from 'should';
import { type BatchContext, leanBatchDecoder } from '../../lib/kafka/lean-batch-decoder';
import { packRecords } from '../../lib/kafka/packed-records';
import { freshModule } from '../support/fresh-module';

/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs's internals, the reference */
const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => { buffer: Buffer; offset: number };
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as { RecordBatch: (batch: object) => Promise<{ buffer: Buffer }> };
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (record: object) => unknown;
const Long = require('kafkajs/src/utils/long') as { fromValue(v: string | number): unknown };
const { Types } = require('kafkajs/src/protocol/message/compression') as { Types: Record<string, number> };
/* eslint-enable @typescript-eslint/no-require-imports */

type BatchDecoder = Parameters<typeof leanBatchDecoder>[0];
type Decoded = BatchContext & { records: Array<{ isControlRecord: boolean; batchContext: object; key?: Buffer | null }> };

const BASE_TS = 1_764_590_400_000;

/** Two record batches back to back, as a fetch response holds them. */
async function batches(spec: Array<{ firstOffset: string; compression?: number; transactional?: boolean; records: object[] }>): Promise<Buffer> {
  const encoded = await Promise.all(
    spec.map(({ firstOffset, compression = Types.None, transactional = false, records }) =>
      RecordBatch({ firstOffset: Long.fromValue(firstOffset), firstTimestamp: BASE_TS, maxTimestamp: BASE_TS + 99, compression, transactional, lastOffsetDelta: records.length - 1, records: records.map(Record) }),
    ),
  );
  return Buffer.concat(encoded.map((e) => e.buffer));
}

const records = [
  { offsetDelta: 0, timestampDelta: 0, key: Buffer.from('user-1'), value: Buffer.from('{"amount":5}') },
  { offsetDelta: 1, timestampDelta: 17, key: null, value: null },
  { offsetDelta: 2, timestampDelta: -5, key: Buffer.alloc(0), value: Buffer.alloc(300, 7) },
  { offsetDelta: 3, timestampDelta: 86_400_000, key: Buffer.from('k'), value: Buffer.from('v'), headers: { trace: Buffer.from('abc'), many: [Buffer.from('1'), Buffer.from('2')] } },
];

describe('the consume thread’s lean record batch decoder', () => {
  const kafkajs = freshModule<BatchDecoder>('kafkajs/src/protocol/recordBatch/v0/decoder'); // kafkajs 2.2.4's own
  const lean = leanBatchDecoder(kafkajs);

  /** Decode every batch of `bytes` with `decode`, as kafkajs's fetch decoding does. */
  async function all(decode: BatchDecoder, bytes: Buffer): Promise<Decoded[]> {
    const decoder = new Decoder(bytes) as never as { offset: number; buffer: Buffer };
    const out: Decoded[] = [];
    while (decoder.offset < bytes.length) out.push((await decode(decoder as never)) as Decoded);
    return out;
  }

  const cases: Array<[string, Parameters<typeof batches>[0]]> = [
    ['plain records: keys and values null, empty and long, headers, negative timestamp deltas', [{ firstOffset: '1000', records }]],
    ['a gzip batch after a plain one', [{ firstOffset: '5', records }, { firstOffset: '9', compression: Types.GZIP, records }]],
    ['offsets past 2^32, in a transaction', [{ firstOffset: '8589934592', transactional: true, records }]],
    ['offsets numbers cannot hold exactly (kafkajs decodes them)', [{ firstOffset: '9007199254740993', records }]],
  ];

  for (const [name, spec] of cases) {
    it(`${name}: packs the same records, with the same batch fields, as kafkajs's decoder`, async () => {
      const bytes = await batches(spec);
      const ours = await all(lean, bytes);
      const theirs = await all(kafkajs, bytes);
      should(ours.length).equal(theirs.length);
      ours.forEach((batch, i) => {
        const { records: ourRecords, ...ourFields } = batch;
        const { records: theirRecords, ...theirFields } = theirs[i];
        should(ourFields).eql(theirFields);
        should(packRecords(ourRecords as never)).eql(packRecords(theirRecords as never));
        should(ourRecords.map((r) => r.isControlRecord)).eql(theirRecords.map((r) => r.isControlRecord));
        should(ourRecords.map((r) => r.batchContext)).matchEach(theirFields);
      });
    });
  }

  it('keeps a transaction marker’s key as a Buffer (kafkajs reads it to tell an abort marker)', async () => {
    // A control batch as the broker writes one: attributes with the control bit (0x20) and transactional bit (0x10).
    const bytes = await batches([{ firstOffset: '42', transactional: true, records: [{ offsetDelta: 0, key: Buffer.from([0, 0, 0, 0]), value: Buffer.from([0, 0, 0, 0, 0, 0]) }] }]);
    const attributesAt = 8 + 4 + 4 + 1 + 4; // firstOffset, length, partitionLeaderEpoch, magic, crc
    bytes.writeInt16BE(bytes.readInt16BE(attributesAt) | 0x20, attributesAt);
    const [ours] = await all(lean, bytes);
    const [theirs] = await all(kafkajs, bytes);
    should(ours.isControlBatch).be.true();
    should(ours.records[0].isControlRecord).be.true();
    should(ours.records[0].key).eql(theirs.records[0].key);
  });
});
