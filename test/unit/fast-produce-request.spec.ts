import { execFileSync } from 'node:child_process';
import path from 'node:path';
import should from 'should';
import { fastProduceRequest, type ProduceRequestArgs } from '../../lib/kafka/fast-produce-request';
import { freshModule } from '../support/fresh-module';

/** dist/ (this file is dist/test/unit/fast-produce-request.spec.js). */
const dist = path.resolve(__dirname, '../..');
const REQUEST = 'kafkajs/src/protocol/requests/produce/v3/request';
/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs's internals, the reference */
const Long = require('kafkajs/src/utils/long') as { fromNumber(n: number): unknown };
const { Types: Compression } = require('kafkajs/src/protocol/message/compression') as { Types: { None: number; GZIP: number } };
/* eslint-enable @typescript-eslint/no-require-imports */

type RequestV3 = Parameters<typeof fastProduceRequest>[0];


/** The bytes a request encodes to, with the clock stopped (kafkajs stamps batches with Date.now()). */
async function bytes(request: RequestV3, args: ProduceRequestArgs): Promise<Buffer> {
  const now = Date.now;
  Date.now = () => 1_764_590_400_123;
  try {
    const encoder = (await request(args).encode()) as unknown as { buffer: Buffer };
    return Buffer.from(encoder.buffer);
  } finally {
    Date.now = now;
  }
}

const value = (i: number, size: number): Buffer => Buffer.alloc(size, i % 251);

describe('kafkajs Produce request written in one pass', () => {
  const kafkajs = freshModule<RequestV3>(REQUEST); // kafkajs 2.2.4's own (the library replaced the cached one)
  const fast = fastProduceRequest(kafkajs);

  const cases: Array<[string, ProduceRequestArgs]> = [
    [
      'keyed and keyless records, null values, two topics of several partitions',
      {
        acks: -1,
        timeout: 30_000,
        topicData: [
          { topic: 'orders', partitions: [0, 1, 2].map((partition) => ({ partition, messages: Array.from({ length: 5 + partition }, (_, i) => ({ key: i % 2 ? Buffer.from(`k${i}`) : null, value: i === 3 ? null : value(i, 20 + i) })) })) },
          { topic: 'totals-é', partitions: [{ partition: 4, messages: [{ key: 'a string key', value: 'a string value ✓' }] }] },
        ],
      },
    ],
    [
      'a transaction: producer id, epoch, first sequence',
      {
        acks: -1,
        timeout: 5_000,
        transactionalId: 'group-topic-1234',
        producerId: Long.fromNumber(4_294_967_301),
        producerEpoch: 7,
        topicData: [{ topic: 't', partitions: [{ partition: 0, firstSequence: 1_000_000, messages: [{ key: Buffer.from('k'), value: value(1, 10) }] }] }],
      },
    ],
    [
      'headers: strings, buffers, arrays, multi-byte text',
      {
        acks: 1,
        timeout: 1_000,
        topicData: [
          {
            topic: 't',
            partitions: [{ partition: 0, messages: [{ key: null, value: value(2, 3), headers: { trace: 'abc', bin: Buffer.from([0, 1, 2]), many: ['x', Buffer.from('y')], 'ключ': 'значение' } }, { value: value(3, 3), headers: {} }] }],
          },
        ],
      },
    ],
    [
      'large requests: 2,000 records, values past one- and two-byte varint lengths',
      {
        acks: -1,
        timeout: 30_000,
        topicData: [{ topic: 'big', partitions: [{ partition: 0, messages: Array.from({ length: 2_000 }, (_, i) => ({ key: Buffer.from(`user-${i}`), value: value(i, [1, 63, 64, 200, 8_191, 8_192, 20_000][i % 7]) })) }] }],
      },
    ],
  ];

  for (const [what, args] of cases) {
    it(`writes what kafkajs writes: ${what}`, async () => {
      const ours = await bytes(fast, args);
      should(ours.equals(await bytes(kafkajs, args))).be.true();
    });
  }

  it('leaves compressed requests and messages it does not expect (timestamps) to kafkajs, and fails as kafkajs does on a key it cannot write', async () => {
    const messages = [{ key: Buffer.from('k'), value: value(1, 100) }];
    const gzip = { acks: -1, timeout: 1_000, compression: Compression.GZIP, topicData: [{ topic: 't', partitions: [{ partition: 0, messages }] }] };
    should((await bytes(fast, gzip)).equals(await bytes(kafkajs, gzip))).be.true();
    const stamped = { acks: -1, timeout: 1_000, topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [{ ...messages[0], timestamp: '1764590400000' }] }] }] };
    should((await bytes(fast, stamped)).equals(await bytes(kafkajs, stamped))).be.true();
    const numberKey = { acks: -1, timeout: 1_000, topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [{ key: 42 as never, value: null }] }] }] };
    const theirs = await bytes(kafkajs, numberKey).then(() => undefined, (err: Error) => err.message);
    should(theirs).be.a.String();
    await should(bytes(fast, numberKey)).be.rejectedWith(theirs as string);
  });

  it("replaces kafkajs's own when the library is loaded first (a fresh process)", () => {
    const script = `
      const lib = require(${JSON.stringify(path.join(dist, 'lib'))});
      const ours = require(${JSON.stringify(path.join(dist, 'lib', 'kafka', 'fast-produce-request'))});
      const v7 = require('kafkajs/src/protocol/requests/produce/v7/request');
      const request = v7({ acks: -1, timeout: 1000, topicData: [{ topic: 't', partitions: [{ partition: 0, messages: [{ key: null, value: Buffer.from('v') }] }] }] });
      request.encode().then((encoder) => process.stdout.write(JSON.stringify({ installed: ours.fastProduceRequestInstalled(), version: request.apiVersion, bytes: encoder.buffer.length > 0, topic: typeof lib.Topic })));
    `;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: path.resolve(dist, '..'), encoding: 'utf8' })) as Record<string, unknown>;
    should(out).eql({ installed: true, version: 7, bytes: true, topic: 'function' });
  });
});
