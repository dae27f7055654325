import type { KafkaMessage } from 'kafkajs';
import should from 'should';
import { FETCHED, fetchedRecords, MessageCursor, PackedRecordCursor, packRecords, type PackedRecords, transferablesOf } from '../../lib/kafka/packed-records';
import { toRawRecord } from '../../lib/kafka/record';

function message(offset: number, key: Buffer | null, value: Buffer | null, headers: KafkaMessage['headers'] = {}): KafkaMessage {
  return { offset: String(offset), timestamp: String(1_700_000_000_000 + offset), key, value, headers, attributes: 0 } as KafkaMessage;
}

/** Views into one shared buffer, as kafkajs hands out fetched records. */
const response = Buffer.from('k1value-1k2value-two');
const messages: KafkaMessage[] = [
  message(40, response.subarray(0, 2), response.subarray(2, 9)),
  message(41, null, Buffer.alloc(0)),
  message(43, response.subarray(9, 11), null, { trace: Buffer.from('t-1'), tags: [Buffer.from('a'), Buffer.from('b')], text: 'plain', empty: null as unknown as Buffer }),
  message(44, Buffer.from('k4'), response.subarray(11)),
];

/** As the other thread receives it: cloned, with the arrays transferred. */
function crossed(packed: PackedRecords): PackedRecords {
  return structuredClone(packed, { transfer: transferablesOf(packed) });
}

describe('packed records (the consume thread hands fetched batches over in them)', () => {
  it('gives back every record as kafkajs decoded it: offsets, timestamps, null and empty keys and values, headers', () => {
    const cursor = new PackedRecordCursor(crossed(packRecords(messages)));
    const expected = messages.map((m) => toRawRecord('t', 3, m, 7));
    for (const record of expected) {
      should(cursor.done).be.false();
      should(cursor.offset).equal(record.offset);
      should(cursor.take('t', 3, 7)).eql(record);
    }
    should(cursor.done).be.true();
  });

  it('copies only the keys and values, not the fetch response they are views of', () => {
    const packed = packRecords(messages);
    should(packed.bytes.byteLength).equal(2 + 7 + 0 + 2 + 2 + (response.length - 11));
  });

  it('skips records without making them and stays in step with the ones after', () => {
    const cursor = new PackedRecordCursor(crossed(packRecords(messages)));
    cursor.skip();
    cursor.skip();
    should(cursor.offset).equal(43);
    const third = cursor.take('t', 0, 1);
    should(third.key?.toString()).equal('k2');
    should(third.headers.trace?.toString()).equal('t-1');
    should(cursor.take('t', 0, 1).value?.toString()).equal('value-two');
  });

  it('keys and values are Buffers over the transferred bytes', () => {
    const packed = crossed(packRecords(messages));
    const record = new PackedRecordCursor(packed).take('t', 0, 1);
    should(Buffer.isBuffer(record.key)).be.true();
    should(record.key?.buffer).equal(packed.bytes);
  });

  it('an empty batch packs into nothing', () => {
    const cursor = new PackedRecordCursor(crossed(packRecords([])));
    should(cursor.done).be.true();
  });

  it('a batch decoded on this thread is read the same way (fetchedRecords picks the cursor)', () => {
    const own = fetchedRecords({ messages });
    should(own).be.instanceOf(MessageCursor);
    own.skip();
    should(own.offset).equal(41);
    should(own.take('t', 0, 2)).eql(toRawRecord('t', 0, messages[1], 2));
    const packed = new PackedRecordCursor(packRecords(messages));
    should(fetchedRecords(Object.assign({ messages: [] }, { [FETCHED]: packed }))).equal(packed);
  });
});
