import fs from 'node:fs';
import should from 'should';
import { Conf } from '../../lib';
import type { Logger } from '../../lib/log';
import { Topic, type TopicRecord } from '../../lib/topic';
import { brokers, tlsBroker, uniqueTopic } from '../support/kafka';

describe('Topic over TLS (the SSL listener of scripts/kafka start --sasl)', function () {
  this.timeout(60_000);
  const tls = tlsBroker();
  before(function () {
    // npm test always starts that broker; only a hand-run single file may lack it.
    if (!tls) this.skip();
  });
  afterEach(() => Conf.reset());
  // kafkajs logs every failed connection attempt; keep them out of the test output.
  const quiet: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined };

  it('produces and consumes when the broker certificate is trusted through ssl.ca', async () => {
    const topic = new Topic(uniqueTopic('tls'), {
      brokers: tls!.brokers,
      ssl: { ca: [fs.readFileSync(tls!.ca)] },
      groupId: uniqueTopic('tls-group'),
      fromBeginning: true,
    });
    try {
      await topic('k', 'over TLS');
      should((await topic.next()).value as TopicRecord).match({ key: 'k', value: 'over TLS' });
    } finally {
      await topic.exitHook();
    }
  });

  it('fails clearly when the certificate is not trusted', async () => {
    const topic = new Topic(uniqueTopic('tls-untrusted'), { brokers: tls!.brokers, ssl: true, retryTimeout: 2_000 }, { logger: quiet });
    try {
      const err = await topic('k', 'v').then(
        () => new Error('expected the send to fail'),
        (e: Error) => e,
      );
      should(err.message).match(/^Error while producing to Topic tls-untrusted.*self-signed certificate/);
    } finally {
      await topic.exitHook();
    }
  });

  it('fails clearly when TLS is spoken to a plain listener', async () => {
    // The plain listener drops the connection, as a broker going down would: producing retries until the delivery timeout.
    const topic = new Topic(uniqueTopic('tls-plain'), { brokers: brokers(), ssl: true, retryTimeout: 2_000, connectionTimeout: 1_000, deliveryTimeout: 2_000 }, { logger: quiet });
    try {
      const err = await topic('k', 'v').then(
        () => new Error('expected the send to fail'),
        (e: Error) => e,
      );
      should(err.message).startWith('Error while producing to Topic tls-plain');
    } finally {
      await topic.exitHook();
    }
  });
});
