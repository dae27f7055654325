// Defaults of the Topic configuration that bound a process's memory (issue 16),
// and that each stays overridable.
import should from 'should';
import { resolveTopicConf, unknownKeys } from '../../lib/kafka/config';

const brokers = 'b:9092';

describe('Topic configuration: fetch sizes', () => {
  it('fetches 128 KiB per partition and 10 MiB per request by default, each overridable', () => {
    should(resolveTopicConf({ brokers, groupId: 'g' }).consumer).containDeep({ maxBytesPerPartition: 131_072, maxBytes: 10_485_760 });
    should(resolveTopicConf({ brokers, groupId: 'g', maxBytesPerPartition: 1_048_576, maxBytes: 2_097_152 }).consumer).containDeep({
      maxBytesPerPartition: 1_048_576,
      maxBytes: 2_097_152,
    });
    should(unknownKeys({ maxBytesPerPartition: 1, maxBytes: 1, max_bytes: 1 })).eql(['max_bytes']);
  });
});

describe('Topic configuration: consumeThread', () => {
  it('consumes on a thread of its own by default; false keeps the consumer on the main thread', () => {
    should(resolveTopicConf({ brokers }).consumeThread).be.true();
    should(resolveTopicConf({ brokers, consumeThread: false }).consumeThread).be.false();
    should(unknownKeys({ consumeThread: false, consumerThread: true })).eql(['consumerThread']);
  });
});

describe('Topic configuration: produceThreadResourceLimits', () => {
  it('gives the produce thread a 16 MB young generation by default, merged with what is given', () => {
    should(resolveTopicConf({ brokers }).produceThreadResourceLimits).eql({ maxYoungGenerationSizeMb: 16 });
    should(resolveTopicConf({ brokers, produceThreadResourceLimits: { maxOldGenerationSizeMb: 256 } }).produceThreadResourceLimits).eql({
      maxYoungGenerationSizeMb: 16,
      maxOldGenerationSizeMb: 256,
    });
    should(resolveTopicConf({ brokers, produceThreadResourceLimits: { maxYoungGenerationSizeMb: 48 } }).produceThreadResourceLimits).eql({ maxYoungGenerationSizeMb: 48 });
    should(unknownKeys({ produceThreadResourceLimits: {} })).eql([]);
  });

  it('rejects an unknown limit or a value that is not a positive number, naming it', () => {
    should(() => resolveTopicConf({ brokers, produceThreadResourceLimits: { maxHeapMb: 10 } as never })).throw(RangeError, { message: /unknown limit maxHeapMb/ });
    for (const bad of [0, -1, '16', Number.NaN] as never[]) {
      should(() => resolveTopicConf({ brokers, produceThreadResourceLimits: { maxYoungGenerationSizeMb: bad } })).throw(RangeError, {
        message: /^produceThreadResourceLimits\.maxYoungGenerationSizeMb must be a positive number of MB, got: /,
      });
    }
  });
});
