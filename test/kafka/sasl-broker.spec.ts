// The SASL test broker (scripts/kafka start --sasl) accepts its users with every
// mechanism and rejects a wrong password. Skipped unless KAFKA_SASL_BROKERS is set.
import should from 'should';
import { Kafka, logLevel, SASLOptions } from 'kafkajs';
import { SASL_USERS, saslBrokers } from '../support/kafka';

async function listTopicsAs(brokers: string[], sasl?: SASLOptions): Promise<string[]> {
  const admin = new Kafka({
    clientId: 'slipstream-test-sasl',
    brokers,
    sasl,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    requestTimeout: 5000,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    return await admin.listTopics();
  } finally {
    await admin.disconnect();
  }
}

describe('SASL test broker', function () {
  this.timeout(30_000);
  const brokers = saslBrokers();
  before(function () {
    if (!brokers) this.skip();
  });

  for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512'] as const) {
    it(`accepts alice and bob with ${mechanism}`, async () => {
      for (const [username, password] of Object.entries(SASL_USERS)) {
        should(await listTopicsAs(brokers!, { mechanism, username, password } as SASLOptions)).be.an.Array();
      }
    });

    it(`rejects a wrong password with ${mechanism}`, async () => {
      await should(listTopicsAs(brokers!, { mechanism, username: 'alice', password: 'wrong' } as SASLOptions))
        .be.rejectedWith({ name: 'KafkaJSSASLAuthenticationError' });
    });
  }

  it('refuses a client without SASL', async () => {
    await should(listTopicsAs(brokers!)).be.rejected();
  });
});
