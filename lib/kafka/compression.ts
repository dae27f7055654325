import { CompressionCodecs, CompressionTypes } from './kafkajs';

/** The compressions a topic can produce with (and that its consumer reads). */
export const COMPRESSIONS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
export type Compression = (typeof COMPRESSIONS)[number];

/** What kafkajs asks of a codec (`CompressionCodecs[type]()`). */
interface KafkaCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

interface CodecPackage {
  type: CompressionTypes;
  /** The npm package (an optional dependency) that provides the codec. */
  packageName: string;
  load(): () => KafkaCodec;
}

/**
 * kafkajs brings gzip only; the others come from optional dependencies,
 * loaded the first time a record batch needs them, so that a package that
 * could not be installed (a platform without its native build) fails only
 * what uses its compression.
 */
const CODEC_PACKAGES: Record<Exclude<Compression, 'none' | 'gzip'>, CodecPackage> = {
  snappy: { type: CompressionTypes.Snappy, packageName: 'kafkajs-snappy', load: () => require('kafkajs-snappy') },
  lz4: {
    type: CompressionTypes.LZ4,
    packageName: '@2l/kafkajs-lz4',
    load: () => {
      const LZ4Codec = require('@2l/kafkajs-lz4') as new () => { codec: () => KafkaCodec };
      return new LZ4Codec().codec;
    },
  },
  zstd: {
    type: CompressionTypes.ZSTD,
    packageName: '@mongodb-js/zstd',
    load: () => {
      // @kafkajs/zstd needs a compiler (and fails to build on Node 20): this is its codec on a prebuilt zstd.
      const zstd = require('@mongodb-js/zstd') as { compress(data: Buffer): Promise<Buffer>; decompress(data: Buffer): Promise<Buffer> };
      return () => ({ compress: (encoder) => zstd.compress(encoder.buffer), decompress: (buffer) => zstd.decompress(buffer) });
    },
  },
};

/**
 * A compression's codec package could not be loaded (not installed, or no
 * build for this platform). Not `retriable`: kafkajs then fails the fetch or
 * the send at once instead of retrying and restarting the consumer forever.
 */
export class CodecUnavailableError extends Error {
  readonly retriable = false;

  constructor(
    readonly compression: Compression,
    readonly packageName: string,
    cause: unknown,
  ) {
    const reason = cause instanceof Error ? cause.message.split('\n')[0] : String(cause);
    super(`${compression} compression needs the npm package ${packageName}, which could not be loaded (${reason}): install it with npm install ${packageName}`, { cause });
    this.name = 'CodecUnavailableError';
  }
}

/** kafkajs's number for `compression`; a RangeError naming any other value. */
export function compressionType(compression: string): CompressionTypes {
  if (compression === 'none') return CompressionTypes.None;
  if (compression === 'gzip') return CompressionTypes.GZIP;
  const codec = CODEC_PACKAGES[compression as keyof typeof CODEC_PACKAGES];
  if (!codec) throw new RangeError(`compression must be one of ${COMPRESSIONS.join(', ')}, got: ${JSON.stringify(compression)}`);
  return codec.type;
}

/** The codec of `compression`, its package loaded now (a `CodecUnavailableError` when it cannot be). */
function loadCodec(compression: keyof typeof CODEC_PACKAGES, codec: CodecPackage): () => KafkaCodec {
  try {
    return codec.load();
  } catch (err) {
    throw new CodecUnavailableError(compression, codec.packageName, err);
  }
}

let registered = false;

/**
 * Give kafkajs the snappy, lz4 and zstd codecs, in this thread (the produce
 * thread has its own kafkajs). Each package is loaded on its first use; one
 * that cannot be loaded fails that use (producing, or fetching a batch
 * written with it) with a `CodecUnavailableError`, as kafkajs's own
 * placeholders fail with "not implemented".
 */
export function registerCodecs(): void {
  if (registered) return;
  registered = true;
  for (const [compression, codec] of Object.entries(CODEC_PACKAGES) as Array<[keyof typeof CODEC_PACKAGES, CodecPackage]>) {
    let loaded: (() => KafkaCodec) | undefined;
    (CompressionCodecs as Record<number, () => KafkaCodec>)[codec.type] = () => (loaded ??= loadCodec(compression, codec))();
  }
}
