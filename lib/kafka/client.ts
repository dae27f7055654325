import type { CompressionTypes, KafkaConfig, LogEntry, Producer, ProducerConfig } from 'kafkajs';
import { Kafka, logLevel } from './kafkajs';
import type { Logger } from '../log';
import { compressionType, registerCodecs } from './compression';
import type { ResolvedConf } from './config';
import { pinningPartitioner } from './produced';

/**
 * A kafkajs client (with every compression codec registered) whose log lines go to our logger (errors and warnings only).
 * kafkajs logs every error response of the broker ("Response JoinGroup(…)") as
 * an error before it decides to retry, e.g. while a fresh broker elects its
 * group coordinator: those go to `info`, as do failed connections while a
 * broker is down. A request that finally fails reaches
 * the caller as an exception, which is reported with its context.
 */
export function createKafka(config: KafkaConfig, logger: Logger): Kafka {
  registerCodecs();
  return new Kafka({
    ...config,
    logLevel: logLevel.WARN,
    logCreator: () => kafkaLogTo(logger),
  });
}

/**
 * kafkajs logs every failed connection attempt while a broker is down (many
 * a second); producing and consuming retry them and the callers show the
 * outage in their status, so these go to `info` as well.
 */
const UNREACHABLE = /ECONNREFUSED|ECONNRESET|EPIPE|Connection timeout|Connection closed|Not connected|Failed to connect to seed broker|Restarting the consumer/;

/**
 * kafkajs warns whenever a transactional producer's retries are bounded: a
 * send that fails in a transaction fails the transaction (see
 * `createTransactionalProducer`), so this is information, not a problem.
 */
const BOUNDED_RETRIES = /^Limiting retries for the idempotent producer/;

/** kafkajs log entries → our logger (see `createKafka`). */
export function kafkaLogTo(logger: Logger): (entry: LogEntry) => void {
  return ({ level, log }) => {
    const text = `kafkajs: ${log.message}`;
    if (log.message.startsWith('Response ')) logger.info(`${text}: ${String(log.error)} (the client may retry)`);
    else if (UNREACHABLE.test(log.message)) logger.info(`${text} (the client retries)`);
    else if (BOUNDED_RETRIES.test(log.message)) logger.info(text);
    else if (level <= logLevel.ERROR) logger.error(text);
    else logger.warn(text);
  };
}

/**
 * murmur2 partitioning, so keys land on the same partitions as with
 * Java/aiokafka clients; each message's partition is kept for `producedPositions`.
 */
export function createProducer(kafka: Kafka, config: ProducerConfig): Producer {
  return kafka.producer({ ...config, createPartitioner: pinningPartitioner });
}

export function compressionOf(conf: ResolvedConf): CompressionTypes {
  return compressionType(conf.compression);
}
