// The produce thread (see `ProduceThread`): a connection's kafkajs producers
// (`ProducerHost`) on a worker thread, so that encoding, partitioning and
// writing produce requests run on another core than the records' handlers.
import { parentPort, workerData } from 'node:worker_threads';
import type { Producer } from 'kafkajs';
import { postingLogger } from '../log';
import { createKafka, createProducer } from './client';
import { unpackMessages } from './packed-messages';
import { toErrorChain } from './error-chain';
import { type FromProduceThread, packPositions, type ProduceThreadConfig, type ToProduceThread } from './produce-protocol';
import { createTransactionalProducer, ProducerHost } from './producer-host';

const port = parentPort;
if (!port) throw new Error('produce-worker runs as a worker thread (started by ProduceThread)');
const post = (message: FromProduceThread): void => port.postMessage(message);
const logger = postingLogger(post);
const config = workerData as ProduceThreadConfig;
const kafka = createKafka(config.kafka, logger);
const producer = createProducer(kafka, config.producer);
/** Connected once; a failed connect is tried again by the next request. */
let connected: Promise<Producer> | undefined;

function connect(): Promise<Producer> {
  if (!connected) {
    const connecting = producer.connect().then(() => producer);
    connecting.catch(() => (connected = undefined));
    connected = connecting;
  }
  return connected;
}

const host = new ProducerHost(connect, (transactionalId) => createTransactionalProducer(kafka, config.producer, transactionalId));

port.on('message', (request: ToProduceThread) => {
  if (request.type === 'close') {
    void Promise.allSettled([host.close(), producer.disconnect()]).finally(() => post({ type: 'closed' }));
    return;
  }
  const { id } = request;
  const failed = (error: unknown): void => post({ type: 'failed', id, error: toErrorChain(error) });
  if (request.type === 'transaction') {
    host.transaction(request.transactional, request.command).then(() => post({ type: 'done', id }), failed);
    return;
  }
  const { topic, acks, compression, transactional } = request;
  const messages = unpackMessages(request.messages);
  (transactional ? host.sendInTransaction(transactional, { topic, compression, messages }) : host.send({ topic, acks, compression, messages })).then((produced) => {
    const positions = packPositions(produced);
    port.postMessage({ type: 'sent', id, positions } satisfies FromProduceThread, [positions.buffer as ArrayBuffer]);
  }, failed);
});
