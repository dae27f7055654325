import should from 'should';
import { Conf } from '../../lib';
import type { Logger } from '../../lib/log';
import { Topic, type TopicConf, type TopicRecord } from '../../lib/topic';
import { SASL_USERS, saslBrokers, uniqueTopic } from '../support/kafka';

function recordingLogger(lines: string[]): Logger {
  return { info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m) };
}

describe('Topic with SASL authentication (scripts/kafka start --sasl)', function () {
  this.timeout(60_000);
  const brokers = saslBrokers();
  before(function () {
    // npm test always starts the SASL broker; only a hand-run single file may lack it.
    if (!brokers) this.skip();
  });
  afterEach(() => Conf.reset());

  async function roundTrip(conf: TopicConf): Promise<void> {
    const topic = new Topic(uniqueTopic('sasl'), { ...conf, groupId: uniqueTopic('sasl-group'), fromBeginning: true });
    try {
      await topic('k', 'secret handshake');
      const record = (await topic.next()).value as TopicRecord;
      should(record).match({ key: 'k', value: 'secret handshake' });
    } finally {
      await topic.exitHook();
    }
  }

  for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512'] as const) {
    it(`produces and consumes with ${mechanism}`, async () => {
      await roundTrip({ brokers, sasl: { mechanism, username: 'alice', password: SASL_USERS.alice } });
    });
  }

  it("accepts the seed's aiokafka keys (security_protocol, sasl_mechanism, sasl_plain_*)", async () => {
    await roundTrip({
      bootstrap_servers: brokers!.join(','),
      security_protocol: 'SASL_PLAINTEXT',
      sasl_mechanism: 'SCRAM-SHA-512',
      sasl_plain_username: 'bob',
      sasl_plain_password: SASL_USERS.bob,
    });
  });

  it('fails clearly on a wrong password and never logs the password', async () => {
    const lines: string[] = [];
    const password = 'not-the-password-42';
    const topic = new Topic(
      uniqueTopic('sasl-wrong'),
      { brokers, retryTimeout: 2_000, sasl: { mechanism: 'scram-sha-256', username: 'alice', password } },
      { logger: recordingLogger(lines) },
    );
    try {
      const err = await topic('k', 'v').then(
        () => new Error('expected the send to fail'),
        (e: Error) => e,
      );
      should(err.message).match(/^Error while producing to Topic sasl-wrong.*(SASL|[Aa]uthentication)/);
      should(err.message).not.containEql(password);
      should(lines.join('\n')).not.containEql(password);
    } finally {
      await topic.exitHook();
    }
  });
});
