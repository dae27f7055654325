// Topic conf `isolation` (alias `isolation_level`): what a consumer reads of transactional records.
import should from 'should';
import { resolveTopicConf, unknownKeys } from '../../lib/kafka/config';

describe('isolation conf', () => {
  const resolve = (conf: object) => resolveTopicConf({ brokers: 'b:9092', groupId: 'g', ...conf });

  it('reads committed records by default, as kafkajs does', () => {
    should(resolve({}).readUncommitted).be.false();
    should(resolve({}).consumer?.readUncommitted).be.false();
  });

  it('maps read_uncommitted and read_committed to the consumer, also without a group', () => {
    should(resolve({ isolation: 'read_uncommitted' }).consumer?.readUncommitted).be.true();
    should(resolve({ isolation: 'read_committed' }).consumer?.readUncommitted).be.false();
    should(resolveTopicConf({ brokers: 'b:9092', isolation: 'read_uncommitted' })).match({ consumer: undefined, readUncommitted: true });
  });

  it('accepts the seed’s isolation_level; the kafkajs-style name wins when both are given', () => {
    should(resolve({ isolation_level: 'read_uncommitted' }).readUncommitted).be.true();
    should(resolve({ isolation: 'read_committed', isolation_level: 'read_uncommitted' }).readUncommitted).be.false();
    should(unknownKeys({ isolation: 'read_committed', isolation_level: 'read_committed', isolationLevel: 'x' })).eql(['isolationLevel']);
  });

  it('rejects any other value, naming it', () => {
    for (const bad of ['READ_COMMITTED', 'committed', '', 1, true]) {
      should(() => resolve({ isolation: bad })).throw(RangeError, { message: `isolation must be 'read_committed' or 'read_uncommitted', got: ${String(bad)}` });
    }
    should(() => resolve({ isolation_level: 'dirty' })).throw(RangeError, { message: /got: dirty$/ });
  });
});
