// The produce thread (see `ProduceThread`): a kafkajs producer on a worker
// thread, so that encoding, partitioning and writing produce requests run on
// another core than the records' handlers.
import { parentPort, workerData } from 'node:worker_threads';
import type { Producer } from 'kafkajs';
import type { Logger } from '../log';
import { createKafka, createProducer } from './client';
import { unpackMessages } from './packed-messages';
import { type FromProduceThread, packPositions, type ProduceThreadConfig, type ToProduceThread, toErrorChain } from './produce-protocol';
import { producedPositions } from './produced';

const port = parentPort;
if (!port) throw new Error('produce-worker runs as a worker thread (started by ProduceThread)');
const post = (message: FromProduceThread): void => port.postMessage(message);
const logger: Logger = {
  info: (message) => post({ type: 'log', level: 'info', message }),
  warn: (message) => post({ type: 'log', level: 'warn', message }),
  error: (message) => post({ type: 'log', level: 'error', message }),
};
const config = workerData as ProduceThreadConfig;
const producer = createProducer(createKafka(config.kafka, logger), config.producer);
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

port.on('message', (request: ToProduceThread) => {
  if (request.type === 'close') {
    void producer.disconnect().finally(() => post({ type: 'closed' }));
    return;
  }
  const { id, topic, acks, compression } = request;
  const messages = unpackMessages(request.messages);
  connect()
    .then((p) => p.send({ topic, acks, compression, messages }))
    .then(
      (metadata) => {
        const positions = packPositions(producedPositions(messages, metadata));
        port.postMessage({ type: 'sent', id, positions } satisfies FromProduceThread, [positions.buffer as ArrayBuffer]);
      },
      (error: unknown) => post({ type: 'failed', id, error: toErrorChain(error) }),
    );
});
