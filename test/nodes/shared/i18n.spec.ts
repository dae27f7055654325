import fs from 'node:fs';
import path from 'node:path';
import should from 'should';
import { catalogTranslator } from '../../../nodes/shared/i18n';

/** The topic nodes' English catalog as the build placed it beside the compiled node file. */
const catalog = path.resolve(__dirname, '../../../nodes/topic/locales/en-US/topic.json');

describe('nodes/shared: catalogTranslator', () => {
  it('uses what the runtime translates (its catalog, the user\'s language)', () => {
    const t = catalogTranslator((key) => `übersetzt ${key}`, catalog);
    should(t('slipstream-kafka.status.connected')).equal('übersetzt slipstream-kafka.status.connected');
  });

  it('reads the English catalog beside the node file where the runtime has none (the test helper returns the key)', () => {
    should(fs.existsSync(catalog)).be.true();
    for (const runtime of [(key: string) => key, (key: string) => `node-red-contrib-slipstream/slipstream-topic:${key}`]) {
      const t = catalogTranslator(runtime, catalog);
      should(t('slipstream-kafka.status.connected')).equal('connected');
      should(t('slipstream-kafka.problem.unset', { variable: 'KAFKA_BROKERS' })).equal('no broker address: KAFKA_BROKERS is not set (enter host:port or set it)');
      should(t('slipstream-kafka.status.retrying', { reason: 'broker unreachable' })).equal('broker unreachable, retrying __seconds__ s');
      should(t('slipstream-kafka.no.such.key')).equal('slipstream-kafka.no.such.key');
    }
  });

  it('asks the runtime once per text without substitutions (some are shown per message), every time with them', () => {
    const asked: string[] = [];
    const t = catalogTranslator((key) => (asked.push(key), `T ${key}`), catalog);
    for (let i = 0; i < 3; i++) should(t('slipstream-kafka.status.connected')).equal('T slipstream-kafka.status.connected');
    t('slipstream-kafka.status.retrying', { seconds: 1 });
    t('slipstream-kafka.status.retrying', { seconds: 2 });
    should(asked).eql(['slipstream-kafka.status.connected', 'slipstream-kafka.status.retrying', 'slipstream-kafka.status.retrying']);
  });
});
