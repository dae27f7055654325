import { logLevel } from 'kafkajs';
import should from 'should';
import { kafkaLogTo } from '../../lib/kafka/client';
import type { Logger } from '../../lib/log';

describe('kafkajs log lines', () => {
  function capture(): { logger: Logger; lines: string[] } {
    const lines: string[] = [];
    const logger: Logger = {
      info: (m) => lines.push(`info ${m}`),
      warn: (m) => lines.push(`warn ${m}`),
      error: (m) => lines.push(`error ${m}`),
    };
    return { logger, lines };
  }
  const entry = (level: logLevel, message: string, extra: object = {}) => ({
    namespace: 'Connection',
    level,
    label: 'ERROR',
    log: { timestamp: '', message, ...extra },
  });

  it('an error response the client may retry is info, with its error (a fresh broker answers so while it elects a coordinator)', () => {
    const { logger, lines } = capture();
    kafkaLogTo(logger)(entry(logLevel.ERROR, 'Response GroupCoordinator(key: 10, version: 2)', { error: 'The group coordinator is not available' }));
    should(lines).eql([
      'info kafkajs: Response GroupCoordinator(key: 10, version: 2): The group coordinator is not available (the client may retry)',
    ]);
  });

  it('other errors stay errors, warnings stay warnings', () => {
    const { logger, lines } = capture();
    const log = kafkaLogTo(logger);
    log(entry(logLevel.ERROR, 'Connection error: self-signed certificate'));
    log(entry(logLevel.WARN, 'Heartbeat failed'));
    should(lines).eql(['error kafkajs: Connection error: self-signed certificate', 'warn kafkajs: Heartbeat failed']);
  });

  it('failed connections while the broker is down are info: the client retries, the status shows the outage', () => {
    const { logger, lines } = capture();
    const log = kafkaLogTo(logger);
    log(entry(logLevel.ERROR, 'Connection error: connect ECONNREFUSED 127.0.0.1:9092'));
    log(entry(logLevel.ERROR, 'Failed to connect to seed broker, trying another broker from the list: Connection error: connect ECONNREFUSED 127.0.0.1:9092'));
    log(entry(logLevel.ERROR, 'Restarting the consumer in 300ms'));
    should(lines).eql([
      'info kafkajs: Connection error: connect ECONNREFUSED 127.0.0.1:9092 (the client retries)',
      'info kafkajs: Failed to connect to seed broker, trying another broker from the list: Connection error: connect ECONNREFUSED 127.0.0.1:9092 (the client retries)',
      'info kafkajs: Restarting the consumer in 300ms (the client retries)',
    ]);
  });

  it('the warning about a transactional producer’s bounded retries is info: a failed send fails its transaction', () => {
    const { logger, lines } = capture();
    kafkaLogTo(logger)(entry(logLevel.WARN, 'Limiting retries for the idempotent producer may invalidate EoS guarantees'));
    should(lines).eql(['info kafkajs: Limiting retries for the idempotent producer may invalidate EoS guarantees']);
  });
});
