import type { ICodec } from './interfaces';

export type { ICodec } from './interfaces';

const PREVIEW_BYTES = 64;

function preview(buf: Buffer): string {
  const text = buf.subarray(0, PREVIEW_BYTES).toString('utf8');
  return JSON.stringify(buf.length > PREVIEW_BYTES ? `${text}…` : text);
}

/**
 * JSON to and from UTF-8 bytes. Dates are encoded as ISO-8601 strings (their
 * `toJSON`) and decoded as those strings, not revived as Dates.
 */
export class JsonCodec implements ICodec {
  encode(obj: unknown): Buffer {
    return Buffer.from(this.encodeText(obj), 'utf8');
  }

  /** The JSON text `encode` gives the UTF-8 bytes of. */
  encodeText(obj: unknown): string {
    let text: string | undefined;
    try {
      text = JSON.stringify(obj);
    } catch (cause) {
      throw new Error(`JsonCodec cannot encode the value: ${(cause as Error).message}`, { cause });
    }
    // JSON.stringify returns undefined for undefined, functions and symbols.
    if (text === undefined) throw new TypeError(`JsonCodec cannot encode ${typeof obj}`);
    return text;
  }

  decode(buf: Buffer): unknown {
    if (!Buffer.isBuffer(buf)) {
      throw new TypeError(`JsonCodec expects a Buffer to decode, got ${buf === null ? 'null' : typeof buf}`);
    }
    try {
      return JSON.parse(buf.toString('utf8'));
    } catch (cause) {
      throw new Error(
        `JsonCodec cannot decode ${buf.length} bytes as JSON (${(cause as Error).message}): ${preview(buf)}`,
        { cause },
      );
    }
  }
}

/**
 * For a codec whose bytes are known to be the UTF-8 of a text (a JsonCodec
 * whose `encode` is not overridden), what gives that text; else undefined.
 * A Topic writes the text into its produce request itself: no Buffer per
 * record.
 */
export function textEncoderOf(codec: ICodec): ((value: unknown) => string) | undefined {
  if (!(codec instanceof JsonCodec) || codec.encode !== JsonCodec.prototype.encode) return undefined;
  return (value) => codec.encodeText(value);
}
