import should from 'should';
import v8 from 'node:v8';
import { ValueCodec } from '../../lib/cache/values';

const PLAIN = Buffer.from([0]);

describe('Cache value encoding', () => {
  const numbers = [0, -0, 5, -3, 1.5, 2 ** 31, -(2 ** 53), Number.MAX_VALUE, Number.MIN_VALUE, Infinity, -Infinity, NaN];

  it('writes numbers in v8 serialization format without a serializer, and reads them back', () => {
    const codec = new ValueCodec();
    for (const n of numbers) {
      const stored = codec.encode(n);
      should(stored.length).equal(12);
      should(Object.is(codec.decode(stored), n)).be.true();
      should(Object.is(v8.deserialize(stored.subarray(1)), n)).be.true(); // any reader of the format
    }
  });

  it('reads numbers v8 wrote itself (small integers have their own tag)', () => {
    const codec = new ValueCodec();
    for (const n of [5, -3, 0, 1.5, 2 ** 40]) should(codec.decode(Buffer.concat([PLAIN, v8.serialize(n)]))).equal(n);
  });

  it('does not take other values of the same length for numbers', () => {
    const codec = new ValueCodec();
    should(codec.encode('abcdefg').length).equal(12); // as long as a number
    should(codec.decode(codec.encode('abcdefg'))).equal('abcdefg');
    should(codec.decode(codec.encode({ n: 1, at: new Date(0) }))).eql({ n: 1, at: new Date(0) });
  });

  it('honours setDumps/setLoads for numbers too', () => {
    const codec = new ValueCodec();
    codec.dumps = (value) => JSON.stringify(value);
    codec.loads = (data) => JSON.parse(data.toString());
    should(codec.encode(42).subarray(1).toString()).equal('42');
    should(codec.decode(codec.encode(42))).equal(42);
  });
});
