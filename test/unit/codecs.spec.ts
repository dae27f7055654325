import should from 'should';
import { JsonCodec } from '../../lib';

describe('JsonCodec', () => {
  const codec = new JsonCodec();

  it('encodes to UTF-8 JSON bytes and decodes back (the seed doctest)', () => {
    should(codec.encode({ key: 1 })).eql(Buffer.from('{"key":1}'));
    should(codec.decode(Buffer.from('{"key": 1}'))).eql({ key: 1 });
    should(codec.decode(codec.encode({ emoji: '🐟', list: [1, null] }))).eql({ emoji: '🐟', list: [1, null] });
  });

  it('encodes Dates as ISO strings', () => {
    const at = new Date(Date.UTC(2025, 0, 1, 10));
    should(codec.decode(codec.encode({ at }))).eql({ at: '2025-01-01T10:00:00.000Z' });
  });

  it('rejects a payload that is not JSON with a clear error quoting it', () => {
    should(() => codec.decode(Buffer.from('{not json'))).throw(/JsonCodec cannot decode 9 bytes as JSON .*"\{not json"/);
  });

  it('rejects values JSON cannot hold', () => {
    should(() => codec.encode(undefined)).throw(/cannot encode undefined/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    should(() => codec.encode(cyclic)).throw(/cannot encode the value/);
    should(() => codec.encode(10n)).throw(/cannot encode/);
  });
});
