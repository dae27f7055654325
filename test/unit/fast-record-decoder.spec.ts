import { execFileSync } from 'node:child_process';
import path from 'node:path';
import should from 'should';
import { type BatchContext, type DecodedRecord, fastRecordDecoder } from '../../lib/kafka/fast-record-decoder';
import { freshModule } from '../support/fresh-module';

/** dist/ (this file is dist/test/unit/fast-record-decoder.spec.js). */
const dist = path.resolve(__dirname, '../..');
const DECODER = 'kafkajs/src/protocol/recordBatch/record/v0/decoder';
/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs's internals, the reference */
const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => { buffer: Buffer; offset: number };
const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (record: object) => { buffer: Buffer };
const TimestampTypes = require('kafkajs/src/protocol/timestampTypes') as { LOG_APPEND_TIME: number; CREATE_TIME: number };
/* eslint-enable @typescript-eslint/no-require-imports */

type RecordDecoder = Parameters<typeof fastRecordDecoder>[0];


/** A record as kafkajs writes it: its length prefix dropped, as the batch decoder hands it to the record decoder. */
function encoded(record: object): Buffer {
  const bytes = Record(record).buffer;
  const reader = new Decoder(bytes) as unknown as { readVarInt(): number; offset: number };
  reader.readVarInt();
  return bytes.subarray(reader.offset);
}

describe('kafkajs record decoder with plain numbers', () => {
  const kafkajs = freshModule<RecordDecoder>(DECODER); // kafkajs 2.2.4's own (the library replaced the cached one)
  const fast = fastRecordDecoder(kafkajs);
  const context = (over: Partial<BatchContext> = {}): BatchContext => ({
    firstOffset: '1234567', firstTimestamp: '1764590400123', maxTimestamp: '1764590409999', magicByte: 2, isControlBatch: false, timestampType: TimestampTypes.CREATE_TIME, ...over,
  });

  function both(bytes: Buffer, batch: BatchContext): [DecodedRecord, DecodedRecord, number, number] {
    const ours = new Decoder(bytes);
    const theirs = new Decoder(bytes);
    return [fast(ours, batch), kafkajs(theirs, batch), ours.offset, theirs.offset];
  }

  const records: Array<[string, object, BatchContext]> = [
    ['a keyed record', { offsetDelta: 3, timestampDelta: 17, key: Buffer.from('user-1'), value: Buffer.from('{"amount":5}') }, context()],
    ['null key and value (a tombstone)', { offsetDelta: 0, timestampDelta: 0, key: null, value: null }, context()],
    ['large deltas and values (multi-byte varints)', { offsetDelta: 1_999_999, timestampDelta: 86_400_000 * 365, key: Buffer.alloc(300, 1), value: Buffer.alloc(70_000, 2) }, context()],
    ['a negative timestamp delta', { offsetDelta: 1, timestampDelta: -5_000, key: Buffer.from('k'), value: Buffer.from('v') }, context()],
    ['headers, one name several times, a multi-byte name', { offsetDelta: 2, timestampDelta: 1, key: null, value: Buffer.from('v'), headers: { trace: 'abc', many: ['1', Buffer.from('2'), '3'], 'ключ': Buffer.from([0, 255]) } }, context()],
    ['log-append time', { offsetDelta: 4, timestampDelta: 9, key: null, value: Buffer.from('v') }, context({ timestampType: TimestampTypes.LOG_APPEND_TIME })],
    ['a control batch, offsets past 2^32', { offsetDelta: 7, timestampDelta: 0, key: Buffer.from([0, 0, 0, 1]), value: Buffer.from([0, 0, 0, 0, 0, 0]) }, context({ isControlBatch: true, firstOffset: '8589934592' })],
    ['an unset timestamp (-1)', { offsetDelta: 0, timestampDelta: 0, key: null, value: Buffer.from('v') }, context({ firstTimestamp: '-1' })],
  ];

  for (const [what, record, batch] of records) {
    it(`gives what kafkajs gives: ${what}`, () => {
      const [ours, theirs, ourOffset, theirOffset] = both(encoded(record), batch);
      should(ours).eql(theirs);
      should(Object.keys(ours.headers)).eql(Object.keys(theirs.headers));
      should(ourOffset).equal(theirOffset);
    });
  }

  it('decodes records of batches that alternate (a batch context is read once, not remembered wrongly)', () => {
    const bytes = encoded({ offsetDelta: 5, timestampDelta: 7, key: null, value: Buffer.from('v') });
    const [a, b] = [context({ firstOffset: '100', firstTimestamp: '1000' }), context({ firstOffset: '200', firstTimestamp: '2000' })];
    const decoded = [a, b, a, a, b].map((batch) => fast(new Decoder(bytes), batch)).map((r) => [r.offset, r.timestamp]);
    should(decoded).eql([['105', '1007'], ['205', '2007'], ['105', '1007'], ['105', '1007'], ['205', '2007']]);
  });

  it("leaves to kafkajs what plain numbers cannot hold exactly, and a header named __proto__", () => {
    for (const [record, batch] of [
      [{ offsetDelta: 1, timestampDelta: 0, key: null, value: null }, context({ firstOffset: '9007199254740993' })],
      [{ offsetDelta: 1, timestampDelta: 2 ** 50, key: null, value: null }, context()],
      [{ offsetDelta: 1, timestampDelta: 0, key: null, value: null, headers: JSON.parse('{"__proto__": "x"}') as object }, context()],
    ] as Array<[object, BatchContext]>) {
      const [ours, theirs, ourOffset, theirOffset] = both(encoded(record), batch);
      should(ours).eql(theirs);
      should(Object.keys(ours.headers)).eql(Object.keys(theirs.headers));
      should(ourOffset).equal(theirOffset);
    }
  });

  it("replaces kafkajs's own when the library is loaded first (a fresh process)", () => {
    const script = `
      require(${JSON.stringify(path.join(dist, 'lib'))});
      const ours = require(${JSON.stringify(path.join(dist, 'lib', 'kafka', 'fast-record-decoder'))});
      require('kafkajs/src/protocol/recordBatch/v0/decoder');
      process.stdout.write(JSON.stringify({ installed: ours.fastRecordDecoderInstalled() }));
    `;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: path.resolve(dist, '..'), encoding: 'utf8' })) as Record<string, unknown>;
    should(out).eql({ installed: true });
  });
});
