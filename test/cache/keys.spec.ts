import should from 'should';
import type { Key } from '../../lib/interfaces';
import { decodeKey, encodedKey, encodeKey, keyId, prefixUpperBound } from '../../lib/cache/keys';

describe('Cache key encoding', () => {
  it('sorts numbers numerically: negatives, fractions, -0/0 and infinities', () => {
    const numbers = [3, -Infinity, 0.5, -2.25, Infinity, -0, 1e300, -1e-300, 2, Number.MIN_VALUE, -7, 1.5];
    const byBytes = [...numbers].sort((a, b) => Buffer.compare(encodeKey(a), encodeKey(b)));
    should(byBytes).eql([...numbers].sort((a, b) => a - b));
  });

  it('stores -0 as the same key as 0 and rejects NaN', () => {
    should(encodeKey(-0).equals(encodeKey(0))).be.true();
    should(() => encodeKey(NaN)).throw(TypeError, { message: /NaN/ });
  });

  it('sorts strings by UTF-8 bytes and Buffers by bytes', () => {
    const strings = ['b', 'a', '', 'ab', 'é', 'z', 'a\u0000'];
    const byBytes = [...strings].sort((a, b) => Buffer.compare(encodeKey(a), encodeKey(b)));
    should(byBytes).eql([...strings].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))));
  });

  it('keeps types apart: 123, "123", Buffer("123") and true are different keys', () => {
    const encoded = [123, '123', Buffer.from('123'), true, 1].map((k) => encodeKey(k).toString('hex'));
    should(new Set(encoded).size).equal(5);
  });

  it('round-trips every type exactly', () => {
    const keys: Key[] = ['', 'user:1', 'é🐟', 0, -1.5, 1e-9, Infinity, -Infinity, true, false, Buffer.from([0, 255, 1])];
    for (const key of keys) should(decodeKey(encodeKey(key))).eql(key);
    should(decodeKey(encodeKey(Buffer.from('x')))).be.instanceOf(Buffer);
  });

  it('encodes a string prefix as a byte prefix of the keys that start with it', () => {
    const prefix = encodeKey('user:');
    should(encodeKey('user:42').subarray(0, prefix.length).equals(prefix)).be.true();
    const bound = prefixUpperBound(prefix);
    should(Buffer.compare(encodeKey('user:\uffff'), bound)).equal(-1);
    should(Buffer.compare(encodeKey('user;'), bound)).be.aboveOrEqual(0);
    should(prefixUpperBound(Buffer.from([4, 1, 0xff, 0xff]))).eql(Buffer.from([4, 2]));
  });

  it('encodes a short string key once while it is in use; long keys and keys encoded after many others stay exact', () => {
    const expected = (key: string): Buffer => Buffer.concat([Buffer.from([3]), Buffer.from(key, 'utf8')]);
    should(encodeKey('user:7')).equal(encodeKey('user:7')); // the same Buffer: a transaction encodes its key three times
    should(encodeKey('user:7')).eql(expected('user:7'));
    const long = 'k'.repeat(300);
    should(encodeKey(long)).not.equal(encodeKey(long));
    should(encodeKey(long)).eql(expected(long));
    for (let i = 0; i < 20_000; i++) should(encodeKey(`u${i}é`)).eql(expected(`u${i}é`)); // past the bound: cleared, not wrong
    should(encodeKey('user:7')).eql(expected('user:7'));
  });

  it("gives every key's id as its encoding read as latin1, one id object per memoized string, also after other keys", () => {
    const keys: Key[] = ['user:7', 'é🐟', 'k'.repeat(300), 42, -0.5, true, Buffer.from([0, 255])];
    for (const key of keys) {
      const { bytes, id } = encodedKey(key);
      should(bytes).eql(encodeKey(key));
      should(id).equal(keyId(bytes));
      should(Buffer.from(id, 'latin1')).eql(bytes);
    }
    const first = encodedKey('user:7');
    should(encodedKey('user:7')).equal(first); // the last key again
    encodedKey('user:8');
    should(encodedKey('user:7')).equal(first); // from the memo
    should(encodedKey('user:7'.slice(0, 5) + '7')).equal(first); // an equal string made elsewhere
  });

  it('rejects unsupported key types with a TypeError naming the type', () => {
    for (const bad of [{}, [], null, undefined, 10n, Symbol('s'), () => 1, new Date()]) {
      should(() => encodeKey(bad as unknown as Key)).throw(TypeError, { message: /Unsupported cache key .*string, number, boolean or Buffer/ });
    }
    should(() => encodeKey({} as unknown as Key)).throw(/of type Object/);
  });
});
