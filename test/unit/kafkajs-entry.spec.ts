import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import should from 'should';

/** dist/ (this file is dist/test/unit/kafkajs-entry.spec.js). */
const dist = path.resolve(__dirname, '../..');

/**
 * Whether `entry`, required alone in a fresh process, loaded kafkajs, and
 * which of kafkajs's replaced internals are in place once kafkajs's modules
 * that take them are loaded too (requiring a replacement after that changes
 * nothing).
 */
function afterLoading(entry: string): Record<string, boolean> {
  const kafka = (name: string): string => JSON.stringify(path.join(dist, 'lib', 'kafka', name));
  const script = `
    require(${JSON.stringify(entry)});
    const kafkajs = Boolean(require.cache[require.resolve('kafkajs')]);
    require('kafkajs');
    require('kafkajs/src/protocol/recordBatch/v0/decoder');
    require('kafkajs/src/protocol/requests/produce/v4/request');
    require('kafkajs/src/consumer/consumerGroup');
    process.stdout.write(JSON.stringify({
      kafkajs,
      grouping: require(${kafka('linear-grouping')}).linearGroupingInstalled(),
      produceRequest: require(${kafka('fast-produce-request')}).fastProduceRequestInstalled(),
      recordDecoder: require(${kafka('fast-record-decoder')}).fastRecordDecoderInstalled(),
      batch: require(${kafka('numeric-batch')}).numericBatchInstalled(),
    }));
  `;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { cwd: path.resolve(dist, '..'), encoding: 'utf8' })) as Record<string, boolean>;
}

/** The compiled modules under `dir`, as paths relative to dist/. */
function modulesUnder(dir: string): string[] {
  return fs.readdirSync(path.join(dist, dir), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.js'))
    .map((file) => path.join(dir, file));
}

describe('kafkajs entry (lib/kafka/kafkajs)', () => {
  it('is the only module of the library and the nodes that loads kafkajs itself (the produce and consume threads included)', () => {
    const loading = [...modulesUnder('lib'), ...modulesUnder('nodes')].filter((file) => /require\("kafkajs"\)/.test(fs.readFileSync(path.join(dist, file), 'utf8')));
    should(loading).eql([path.join('lib', 'kafka', 'kafkajs.js')]);
  });

  // The nodes require lib's modules directly, not lib/index: whichever loads kafkajs must load it with its internals replaced.
  const entries: Array<[string, boolean]> = [
    ['lib', true],
    ['nodes/topic/topic.js', true],
    ['nodes/checkpoint/checkpoint.js', true],
    ['nodes/cache/cache.js', false],
    ['nodes/handle/handle.js', false],
  ];
  for (const [entry, loadsKafkajs] of entries) {
    it(`${entry} loads kafkajs ${loadsKafkajs ? 'with its internals replaced' : 'not at all'} (a fresh process)`, () => {
      const after = afterLoading(path.join(dist, entry));
      should(after.kafkajs).equal(loadsKafkajs);
      if (loadsKafkajs) should(after).eql({ kafkajs: true, grouping: true, produceRequest: true, recordDecoder: true, batch: true });
    });
  }
});
