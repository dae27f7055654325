import { CompressionTypes, Kafka, logLevel, type LogEntry, Partitioners, type Producer } from 'kafkajs';
import type { Logger } from '../log';
import type { ResolvedConf } from './config';

/** A kafkajs client whose log lines go to our logger (errors and warnings only). */
export function createKafka(conf: ResolvedConf, logger: Logger): Kafka {
  return new Kafka({
    ...conf.kafka,
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log }: LogEntry) => {
        const text = `kafkajs: ${log.message}`;
        if (level <= logLevel.ERROR) logger.error(text);
        else logger.warn(text);
      },
  });
}

/** murmur2 partitioning, so keys land on the same partitions as with Java/aiokafka clients. */
export function createProducer(kafka: Kafka, conf: ResolvedConf): Producer {
  return kafka.producer({ ...conf.producer, createPartitioner: Partitioners.DefaultPartitioner });
}

export function compressionOf(conf: ResolvedConf): CompressionTypes {
  return conf.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
}
