// snappy, lz4 and zstd (and gzip) on the real broker: produced through Topic on
// the produce thread and on the main thread, consumed by Topic; written by a
// plain kafkajs producer and by Kafka's Java producer, consumed by Topic; bad values
// and a codec package that cannot be loaded fail with errors naming them
// (producing and consuming, at once).
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { CompressionCodecs, CompressionTypes } from 'kafkajs';
import should from 'should';
import { type Compression, Topic } from '../../lib/topic';
import { COMPRESSIONS, compressionType } from '../../lib/kafka/compression';
import { brokers, take, trackTopics, uniqueTopic } from '../support/kafka';

const ROOT = path.resolve(__dirname, '../../..');
const CODECS: Array<Exclude<Compression, 'none'>> = ['gzip', 'snappy', 'lz4', 'zstd'];
const TYPES = { gzip: CompressionTypes.GZIP, snappy: CompressionTypes.Snappy, lz4: CompressionTypes.LZ4, zstd: CompressionTypes.ZSTD };

/**
 * Counts how often kafkajs looks up `compression`'s codec in this thread
 * while `run` runs: a consumer does so for every batch written with it.
 */
async function codecLookups(compression: Exclude<Compression, 'none'>, run: () => Promise<void>): Promise<number> {
  const codecs = CompressionCodecs as Record<number, () => unknown>;
  const type = TYPES[compression];
  const registered = codecs[type];
  let lookups = 0;
  codecs[type] = () => (lookups++, registered());
  try {
    await run();
  } finally {
    codecs[type] = registered;
  }
  return lookups;
}

/**
 * Writes `values` to `topic` from another process: kafkajs with the snappy
 * and lz4 codec packages registered as their READMEs say, and zstd's
 * (there is no kafkajs zstd package that installs without a compiler).
 */
async function producePlainKafkajs(topic: string, compression: Exclude<Compression, 'none'>, values: string[]): Promise<void> {
  const script = `
    const { Kafka, CompressionTypes, CompressionCodecs, Partitioners } = require('kafkajs');
    CompressionCodecs[CompressionTypes.Snappy] = require('kafkajs-snappy');
    const LZ4Codec = require('@2l/kafkajs-lz4');
    CompressionCodecs[CompressionTypes.LZ4] = new LZ4Codec().codec;
    const zstd = require('@mongodb-js/zstd');
    CompressionCodecs[CompressionTypes.ZSTD] = () => ({ compress: (e) => zstd.compress(e.buffer), decompress: (b) => zstd.decompress(b) });
    const [brokers, topic, compression, values] = process.argv.slice(1);
    const producer = new Kafka({ brokers: brokers.split(','), logLevel: 0 }).producer({ createPartitioner: Partitioners.DefaultPartitioner });
    (async () => {
      await producer.connect();
      await producer.send({ topic, compression: CompressionTypes[compression], messages: JSON.parse(values).map((value) => ({ value })) });
      await producer.disconnect();
    })().catch((err) => { console.error(err); process.exit(1); });`;
  const names = { gzip: 'GZIP', snappy: 'Snappy', lz4: 'LZ4', zstd: 'ZSTD' };
  await promisify(execFile)(process.execPath, ['-e', script, brokers().join(','), topic, names[compression], JSON.stringify(values)], { cwd: ROOT });
}

/** The broker's Java console producer (the Java client's codecs); in kafka.tools up to 3.x, in org.apache.kafka.tools from 4.0. */
async function produceJava(topic: string, compression: Exclude<Compression, 'none'>, values: string[]): Promise<void> {
  const kafkaLib = require(path.join(ROOT, 'scripts/kafka-lib')) as { javaArgs(version: string): string[]; resolveVersion(): string };
  const version = kafkaLib.resolveVersion();
  const main = Number(version.split('.')[0]) >= 4 ? 'org.apache.kafka.tools.ConsoleProducer' : 'kafka.tools.ConsoleProducer';
  const args = [...kafkaLib.javaArgs(version), main, '--bootstrap-server', brokers()[0], '--topic', topic, '--compression-codec', compression, '--batch-size', '1000'];
  await new Promise<void>((resolve, reject) => {
    const child = execFile(process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java', args, (err, _stdout, stderr) =>
      err ? reject(new Error(`${main} failed: ${err.message}\n${stderr}`)) : resolve(),
    );
    child.stdin?.end(values.map((v) => `${v}\n`).join(''));
  });
}

describe('compression on the real broker', function () {
  this.timeout(120_000);
  const track = trackTopics();
  const conf = () => ({ brokers: brokers(), groupId: uniqueTopic('group'), fromBeginning: true });
  // Compressible values, several per batch.
  const values = Array.from({ length: 40 }, (_, i) => `record ${i}: ${'slipstream '.repeat(50)}`);

  for (const compression of CODECS) {
    for (const produceThread of [true, false]) {
      it(`${compression}: produced by Topic on the ${produceThread ? 'produce thread' : 'main thread'}, consumed by Topic`, async () => {
        const name = uniqueTopic(`${compression}-${produceThread ? 'thread' : 'main'}`);
        const producer = track(new Topic(name, { ...conf(), compression, produceThread, numPartitions: 2 }));
        await Promise.all(values.map((value, i) => producer(`k${i % 5}`, value)));
        // Consumed on the main thread, where the codec lookups can be counted (the consume thread's are its own).
        const consumer = track(new Topic(name, { ...conf(), consumeThread: false }));
        let records: Awaited<ReturnType<typeof take>> = [];
        const lookups = await codecLookups(compression, async () => void (records = await take(consumer, values.length)));
        should(records.map((r) => r.value).sort()).eql([...values].sort());
        should(lookups).be.above(0); // the batches were written with this codec
      });
    }

    for (const [writer, produce] of [
      ['a plain kafkajs producer', producePlainKafkajs],
      ["Kafka's Java console producer", produceJava],
    ] as const) {
      for (const consumeThread of [true, false]) {
        it(`${compression}: written by ${writer} in another process, consumed by Topic (${consumeThread ? 'consume thread' : 'main thread'})`, async () => {
          const name = uniqueTopic(`${compression}-other`);
          const consumer = track(new Topic(name, { ...conf(), consumeThread }));
          await consumer.admin().then((admin) => admin.createTopics({ topics: [{ topic: name }], waitForLeaders: true }));
          await produce(name, compression, values);
          let records: Awaited<ReturnType<typeof take>> = [];
          const lookups = await codecLookups(compression, async () => void (records = await take(consumer, values.length)));
          should(records.map((r) => r.value)).eql(values);
          // On the main thread, kafkajs looked the codec up here; the consume thread decompresses in its own.
          should(lookups > 0).equal(!consumeThread);
        });
      }
    }
  }
});

describe('compression settings', () => {
  it('accepts none, gzip, snappy, lz4 and zstd, and rejects any other value naming it', () => {
    should([...COMPRESSIONS]).eql(['none', 'gzip', 'snappy', 'lz4', 'zstd']);
    should(COMPRESSIONS.map(compressionType)).eql([CompressionTypes.None, CompressionTypes.GZIP, CompressionTypes.Snappy, CompressionTypes.LZ4, CompressionTypes.ZSTD]);
    should(() => new Topic('t', { brokers: ['127.0.0.1:1'], compression: 'brotli' as Compression })).throw(RangeError, {
      message: 'compression must be one of none, gzip, snappy, lz4, zstd, got: "brotli"',
    });
  });

  it('without a codec package (not installed): producing and consuming fail at once with an error naming it', async () => {
    const name = uniqueTopic('snappy-missing');
    const writer = new Topic(name, { brokers: brokers(), compression: 'snappy' });
    await writer('k', 'written with snappy');
    await writer.close();
    // Another process, where kafkajs-snappy cannot be found (in its produce thread too).
    const script = `
      const { Topic } = require(${JSON.stringify(path.join(ROOT, 'dist/lib/topic'))});
      const [brokers, name] = process.argv.slice(1);
      const logger = { info() {}, warn() {}, error() {} };
      (async () => {
        const out = new Topic(name + '-out', { brokers: [brokers], compression: 'snappy' }, { logger });
        const produced = await out('k', 'v').then(() => 'produced', (e) => e.message);
        await out.close();
        const input = new Topic(name, { brokers: [brokers], fromBeginning: true }, { logger });
        const consumed = await input.next().then(() => 'consumed', (e) => e.message);
        await input.close();
        console.log(JSON.stringify({ produced, consumed }));
      })();`;
    const hide = path.join(__dirname, 'fixtures', 'hide-kafkajs-snappy.js');
    const { stdout } = await promisify(execFile)(process.execPath, ['--require', hide, '-e', script, brokers()[0], name], { cwd: ROOT, timeout: 60_000 });
    const missing = "snappy compression needs the npm package kafkajs-snappy, which could not be loaded (Cannot find module 'kafkajs-snappy'): install it with npm install kafkajs-snappy";
    should(JSON.parse(stdout)).eql({
      produced: `Error while producing to Topic ${name}-out: ${missing}`,
      consumed: `Error while consuming from Topic ${name}: ${missing}`,
    });
  });
});
