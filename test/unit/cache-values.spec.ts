import should from 'should';
import v8 from 'node:v8';
import vm from 'node:vm';
import { NOT_PLAIN, readPlainObject, writePlainObject } from '../../lib/cache/plain-v8';
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

  describe('plain objects, without v8\'s serializer objects', () => {
    const plain: Array<Record<string, unknown>> = [
      {},
      { user: 'u42', total: 1234 },
      { a: 1, b: -1, c: 0, d: -0, e: 1.5, f: 2 ** 31, g: -(2 ** 31), h: 2 ** 31 - 1, i: NaN, j: Infinity, k: Number.MAX_SAFE_INTEGER },
      { s: '', t: 'é and ÿ', u: 'x'.repeat(300), yes: true, no: false, none: null, missing: undefined },
      { nested: { deeper: { deepest: { n: 1 } }, after: 'x' }, last: 2 },
      { 7: 'an index key', 0: 'first', name: 'then strings' },
      JSON.parse('{"__proto__": {"polluted": 1}, "k": 1}') as Record<string, unknown>,
      Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`key${i}`, i * 3])),
    ];

    /** Equal values (should's eql takes NaN for NaN, and -0 for 0: see the -0 test), with the same prototype. */
    const same = (a: unknown, b: unknown): void => {
      should(a).eql(b);
      should(Object.getPrototypeOf(a)).equal(Object.getPrototypeOf(b));
    };

    it('writes what v8.deserialize reads back as the same value', () => {
      for (const value of plain) {
        const written = writePlainObject(value, 0);
        if (!written) throw new Error(`not written: ${JSON.stringify(value)}`);
        same(v8.deserialize(written), value);
      }
    });

    it("writes an object made in another realm (a vm context, where Node-RED's function code makes its objects) as a plain one", () => {
      const made = vm.runInNewContext('({ user: "u1", total: 3.5, n: 7, nested: { ok: true } })') as Record<string, unknown>;
      should(Object.getPrototypeOf(made)).not.equal(Object.prototype);
      const written = writePlainObject(made, 0);
      if (!written) throw new Error('not written');
      should(v8.deserialize(written)).eql({ user: 'u1', total: 3.5, n: 7, nested: { ok: true } });
      should(v8.deserialize(written)).eql(v8.deserialize(v8.serialize(made)));
      for (const other of ['[1, 2]', '({ at: new Date(0) })', '(new (class Point { constructor() { this.x = 1; } })())']) {
        should(writePlainObject(vm.runInNewContext(other) as object, 0)).be.undefined();
      }
    });

    it('reads what v8.serialize wrote as v8.deserialize does (the own __proto__ key is left to v8)', () => {
      for (const value of plain) {
        const serialized = v8.serialize(value);
        const read = readPlainObject(serialized, 0);
        if (Object.keys(value).includes('__proto__')) should(read).equal(NOT_PLAIN);
        else same(read, v8.deserialize(serialized));
      }
    });

    it('keeps -0 apart from 0 both ways', () => {
      const written = writePlainObject({ zero: 0, negative: -0 }, 0) as Buffer;
      const back = v8.deserialize(written) as { zero: number; negative: number };
      should([Object.is(back.zero, 0), Object.is(back.negative, -0)]).eql([true, true]);
      const read = readPlainObject(v8.serialize({ zero: 0, negative: -0 }), 0) as { zero: number; negative: number };
      should([Object.is(read.zero, 0), Object.is(read.negative, -0)]).eql([true, true]);
    });

    it('reads strings v8 wrote as two-byte (it writes them itself) and keys v8 wrote as numbers', () => {
      const value = { euro: '€ 5', '日本': 'ok', 12: 'twelve' };
      should(writePlainObject(value, 0)).be.undefined();
      const read = readPlainObject(v8.serialize(value), 0);
      should(read).eql(value);
      should(Object.keys(read)).eql(Object.keys(value));
    });

    it('leaves every other shape to v8, and the codec still stores it', () => {
      const shared = { n: 1 };
      const cycle: Record<string, unknown> = {};
      cycle.self = cycle;
      let deep: Record<string, unknown> = { n: 0 };
      for (let i = 0; i < 40; i++) deep = { deep };
      // Shapes whose v8 bytes hold what the reader does not read either (arrays, host objects, back-references, depth).
      const unread: object[] = [[1, 2], { list: [1, 2] }, { at: new Date(0) }, { buffer: Buffer.from('x') }, { map: new Map([[1, 2]]) }, { big: 10n }, { twice: shared, again: shared }, cycle, deep];
      const others: object[] = [...unread, Object.create(null) as object, new (class Point { x = 1; })(), { fn: () => 1 }, { sym: Symbol('s') }];
      for (const value of unread) should(readPlainObject(v8.serialize(value), 0)).equal(NOT_PLAIN);
      const codec = new ValueCodec();
      for (const value of others) {
        should(writePlainObject(value, 0)).be.undefined();
        let serialized: Buffer | undefined;
        try {
          serialized = v8.serialize(value);
        } catch {
          continue; // v8 refuses it too (a function, a symbol): the codec throws as before
        }
        // v8 writes a null-prototype or class instance as a plain object: read as v8 reads it.
        const read = readPlainObject(serialized, 0);
        if (read !== NOT_PLAIN) same(read, v8.deserialize(serialized));
        same(codec.decode(codec.encode(value)), v8.deserialize(serialized));
      }
    });

    it('the codec stores plain objects in the same layout as before: one header byte, then v8\'s format', () => {
      const codec = new ValueCodec();
      for (const value of plain) {
        const stored = codec.encode(value);
        should(stored[0]).equal(0);
        same(v8.deserialize(stored.subarray(1)), value);
        same(codec.decode(stored), value);
        same(codec.decode(Buffer.concat([PLAIN, v8.serialize(value)])), value); // values stored by earlier versions
      }
    });

    it('a getter that stores a value while one is written leaves its own value to v8, and both come out whole', () => {
      const codec = new ValueCodec();
      let inner: Buffer | undefined;
      const outer = { get total() {
        inner = codec.encode({ user: 'inner', total: 2 });
        return 1;
      }, user: 'outer' };
      const stored = codec.encode(outer);
      should(codec.decode(stored)).eql({ total: 1, user: 'outer' });
      should(inner && codec.decode(inner)).eql({ user: 'inner', total: 2 });
    });

    it('does not take a value with trailing or missing bytes for plain', () => {
      const serialized = v8.serialize({ a: 'abc' });
      should(readPlainObject(Buffer.concat([serialized, Buffer.from([0x30])]), 0)).equal(NOT_PLAIN);
      should(readPlainObject(serialized.subarray(0, -1), 0)).equal(NOT_PLAIN);
      should(readPlainObject(serialized.subarray(0, 6), 0)).equal(NOT_PLAIN);
    });
  });
});
