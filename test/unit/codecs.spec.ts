import should from 'should';
import { JsonCodec } from '../../lib';
import { textEncoderOf } from '../../lib/codecs';

describe('JsonCodec', () => {
  const codec = new JsonCodec();

  it('encodes to JSON bytes and decodes back', () => {
    const encoded = codec.encode({ key: 1, list: ['a', null], nested: { ok: true } });
    should(Buffer.isBuffer(encoded)).be.true();
    should(encoded.toString()).equal('{"key":1,"list":["a",null],"nested":{"ok":true}}');
    should(codec.decode(encoded)).eql({ key: 1, list: ['a', null], nested: { ok: true } });
    should(codec.decode(Buffer.from('"🐟"'))).equal('🐟');
  });

  it('encodes Dates as ISO strings', () => {
    const at = new Date(Date.UTC(2025, 0, 1, 10, 30));
    should(codec.encode({ at }).toString()).equal('{"at":"2025-01-01T10:30:00.000Z"}');
    should(codec.decode(codec.encode({ at }))).eql({ at: '2025-01-01T10:30:00.000Z' });
  });

  it('says clearly why a payload cannot be decoded, with a preview', () => {
    should(() => codec.decode(Buffer.from('{"key": 1'))).throw(/^JsonCodec cannot decode 9 bytes as JSON \(.+\): "\{\\"key\\": 1"$/);
    const long = Buffer.from(`not json ${'x'.repeat(100)}`);
    should(() => codec.decode(long)).throw(/: "not json x{55}…"$/);
    try {
      codec.decode(Buffer.from('nope'));
    } catch (error) {
      should((error as Error).cause).be.instanceOf(SyntaxError);
    }
  });

  it('rejects a missing payload (a tombstone) with a clear error', () => {
    should(() => codec.decode(null as unknown as Buffer)).throw('JsonCodec expects a Buffer to decode, got null');
  });

  it('says clearly when a value cannot be encoded', () => {
    should(() => codec.encode(undefined)).throw('JsonCodec cannot encode undefined');
    should(() => codec.encode({ n: 1n })).throw(/^JsonCodec cannot encode the value: .*BigInt/);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    should(() => codec.encode(circular)).throw(/^JsonCodec cannot encode the value: .*circular/i);
  });

  it("gives a Topic its text only where encode's bytes are that text's UTF-8: not for a subclass that overrides encode, nor another codec", () => {
    const text = textEncoderOf(codec);
    should(text).be.a.Function();
    const value = { user: 'é🐟', total: 3 };
    should(Buffer.from(text!(value), 'utf8')).eql(codec.encode(value));
    should(() => text!(undefined)).throw('JsonCodec cannot encode undefined');
    class Upper extends JsonCodec {
      override encode(obj: unknown): Buffer {
        return Buffer.from(super.encode(obj).toString().toUpperCase());
      }
    }
    should(textEncoderOf(new Upper())).be.undefined();
    class Lower extends JsonCodec {} // inherits encode: its text is its bytes
    should(textEncoderOf(new Lower())).be.a.Function();
    should(textEncoderOf({ encode: (obj) => Buffer.from(String(obj)), decode: (buf) => buf.toString() })).be.undefined();
  });
});
