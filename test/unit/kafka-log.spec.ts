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
});
