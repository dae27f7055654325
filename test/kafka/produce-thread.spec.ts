// Producing on a worker thread: messages cross intact, failures keep what
// `isTransient` reads, a dead thread fails what waited and is replaced, and
// settings that cannot cross (functions) produce on the main thread.
import net from 'node:net';
import should from 'should';
import { isTransient } from '../../lib/kafka/delivery';
import { packMessages, unpackMessages } from '../../lib/kafka/packed-messages';
import { ProduceThread } from '../../lib/kafka/produce-thread';
import { KafkaConnection } from '../../lib/topic';
import type { Logger } from '../../lib/log';
import { brokers, createTopic, kafka, uniqueTopic } from '../support/kafka';

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(m), warn: (m) => lines.push(m), error: (m) => lines.push(m) };
}

async function readAll(topic: string, count: number): Promise<Array<{ key: string | null; value: string | null; headers: Record<string, string>; partition: number; timestamp: string }>> {
  const consumer = kafka().consumer({ groupId: uniqueTopic('read') });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  const seen: Awaited<ReturnType<typeof readAll>> = [];
  await new Promise<void>((resolve) => {
    void consumer.run({
      eachMessage: async ({ message, partition }) => {
        const headers = Object.fromEntries(Object.entries(message.headers ?? {}).map(([k, v]) => [k, String(v)]));
        seen.push({ key: message.key?.toString() ?? null, value: message.value?.toString() ?? null, headers, partition, timestamp: message.timestamp });
        if (seen.length === count) resolve();
      },
    });
  });
  await consumer.disconnect();
  return seen;
}

describe('packed messages (for the produce thread)', () => {
  it('round-trip keys, values, nulls, strings, partitions, headers and timestamps', () => {
    const messages = [
      { key: Buffer.from('k1'), value: Buffer.from('{"a":1}') },
      { key: null, value: null },
      { key: 'string key', value: 'string value', partition: 3 },
      { key: Buffer.alloc(0), value: Buffer.from('x'), headers: { h: Buffer.from('bytes'), s: 'text', many: ['a', Buffer.from('b')] }, timestamp: '1700000000000' },
    ];
    const packed = packMessages(messages);
    should(packed.bytes.byteLength).equal(2 + 7 + 10 + 12 + 0 + 1); // strings are written there as UTF-8
    // What the worker receives is a structured clone with the bytes transferred.
    const received = structuredClone(packed, { transfer: [packed.bytes] });
    should(packed.bytes.byteLength).equal(0); // transferred, not copied
    const out = unpackMessages(received);
    should(out.map((m) => [m.key?.toString() ?? null, m.value?.toString() ?? null, m.partition])).eql([
      ['k1', '{"a":1}', undefined],
      [null, null, undefined],
      ['string key', 'string value', 3],
      ['', 'x', undefined],
    ]);
    should(Buffer.isBuffer(out[0].key)).be.true();
    const headers = out[3].headers as Record<string, unknown>;
    should(Buffer.isBuffer(headers.h) && headers.h.toString()).equal('bytes');
    should(headers.s).equal('text');
    should((headers.many as unknown[]).map(String)).eql(['a', 'b']);
    should(out[3].timestamp).equal('1700000000000');
  });

  it('carry empty headers as none: only messages with a header or a timestamp have extras', () => {
    const packed = packMessages([
      { key: 'a', value: 'x', headers: {} },
      { key: 'b', value: 'y', headers: { h: 'v' } },
      { key: 'c', value: 'z', headers: {}, timestamp: '1' },
    ]);
    should(packed.extras).eql([
      { index: 1, headers: { h: 'v' }, timestamp: undefined },
      { index: 2, headers: undefined, timestamp: '1' },
    ]);
    should(unpackMessages(packed).map((m) => m.headers)).eql([undefined, { h: 'v' }, undefined]);
  });

  it('write string keys and values as their UTF-8 bytes: ASCII, beyond ASCII, lone surrogates, empty, short and long', () => {
    const texts = ['u1', '', 'é', 'k'.repeat(16), 'k'.repeat(15) + 'é', '{"user":"u9","total":12}', '🐟'.repeat(40), 'a\ud800b', 'x'.repeat(5_000)];
    const packed = packMessages(texts.map((text, i) => ({ key: text, value: texts[texts.length - 1 - i] })));
    should(packed.bytes.byteLength).equal(2 * texts.reduce((sum, text) => sum + Buffer.byteLength(text), 0));
    const out = unpackMessages(structuredClone(packed, { transfer: [packed.bytes] }));
    should(out.map((m) => m.key)).eql(texts.map((text) => Buffer.from(text)));
    should(out.map((m) => m.value)).eql([...texts].reverse().map((text) => Buffer.from(text)));
  });

  it('pack nothing as nothing', () => {
    should(unpackMessages(packMessages([]))).eql([]);
  });
});

describe('ProduceThread on the real broker', function () {
  this.timeout(60_000);

  it('produces what it is given, in order, with headers, partitions and timestamps', async () => {
    const topic = uniqueTopic('thread');
    await createTopic(topic, 2);
    const thread = new ProduceThread({ kafka: { brokers: brokers() }, producer: {} }, recordingLogger());
    try {
      const messages = Array.from({ length: 500 }, (_, i) => ({ key: `k${i}`, value: `v${i}`, partition: i % 2, headers: i === 7 ? { tag: 'seven' } : undefined, timestamp: i === 9 ? '1600000000000' : undefined }));
      await thread.send({ topic, acks: -1, compression: 0, messages });
      const seen = await readAll(topic, 500);
      for (const partition of [0, 1]) {
        should(seen.filter((r) => r.partition === partition).map((r) => r.value)).eql(messages.filter((m) => m.partition === partition).map((m) => m.value));
      }
      should(seen.find((r) => r.key === 'k7')?.headers).eql({ tag: 'seven' });
      should(seen.find((r) => r.key === 'k9')?.timestamp).equal('1600000000000');
    } finally {
      await thread.close();
    }
  });

  it('starts its thread with the resource limits it is given', async () => {
    const topic = uniqueTopic('thread-limits');
    await createTopic(topic, 1);
    const thread = new ProduceThread({ kafka: { brokers: brokers() }, producer: {} }, recordingLogger(), { maxYoungGenerationSizeMb: 16 });
    try {
      await thread.send({ topic, acks: -1, compression: 0, messages: [{ value: 'one' }] });
      should(thread['worker']?.resourceLimits?.maxYoungGenerationSizeMb).equal(16);
    } finally {
      await thread.close();
    }
  });

  it('fails a rejected request with the client error, not transient, and one the broker cannot be reached for as transient', async () => {
    const topic = uniqueTopic('thread-reject');
    await createTopic(topic, 1);
    const thread = new ProduceThread({ kafka: { brokers: brokers() }, producer: {} }, recordingLogger());
    try {
      const tooLarge = await thread.send({ topic, acks: -1, compression: 0, messages: [{ value: 'x'.repeat(1_500_000) }] }).then(() => undefined, (e: unknown) => e as Error);
      should(tooLarge).be.an.Error();
      should((tooLarge as Error).message).match(/larger than the max message size/);
      should(isTransient(tooLarge as Error)).be.false();
      // The thread goes on after a failed request.
      await thread.send({ topic, acks: -1, compression: 0, messages: [{ value: 'fine' }] });
    } finally {
      await thread.close();
    }
    const logger = recordingLogger();
    const nowhere = new ProduceThread({ kafka: { brokers: ['127.0.0.1:1'], connectionTimeout: 300, retry: { retries: 0 } }, producer: {} }, logger);
    try {
      const refused = await nowhere.send({ topic, acks: -1, compression: 0, messages: [{ value: 'v' }] }).then(() => undefined, (e: unknown) => e as Error);
      should(refused).be.an.Error();
      should(isTransient(refused as Error)).be.true();
      should(logger.lines.join('\n')).match(/kafkajs: .*ECONNREFUSED/); // the client's log lines reach the connection's logger
    } finally {
      await nowhere.close();
    }
  });

  it('fails what waited when the thread dies, and starts a new one for the next request', async () => {
    const topic = uniqueTopic('thread-dies');
    await createTopic(topic, 1);
    // The thread's bootstrap address: first a server that accepts and never answers (a request
    // waits there for sure), then one that forwards to the real broker.
    const [host, port] = brokers()[0].split(':');
    let forward = false;
    const server = net.createServer((socket) => {
      if (!forward) return void socket.on('error', () => undefined);
      const upstream = net.connect(Number(port), host);
      socket.pipe(upstream).pipe(socket);
      upstream.on('error', () => socket.destroy());
      socket.on('error', () => upstream.destroy());
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const thread = new ProduceThread({ kafka: { brokers: [address], requestTimeout: 60_000 }, producer: {} }, recordingLogger());
    const workerOf = (): { terminate(): Promise<number> } | undefined => (thread as unknown as { worker?: { terminate(): Promise<number> } }).worker;
    try {
      const waiting = thread.send({ topic, acks: -1, compression: 0, messages: [{ value: 'lost?' }] });
      const first = workerOf();
      // A thread cannot be made to crash for real on demand: terminate it while its request waits.
      await first?.terminate();
      await should(waiting).be.rejectedWith(/the produce thread ended/);
      forward = true;
      await thread.send({ topic, acks: -1, compression: 0, messages: [{ value: 'after' }] });
      should(workerOf()).not.equal(first);
      should((await readAll(topic, 1)).map((r) => r.value)).eql(['after']);
    } finally {
      await thread.close();
      server.close();
    }
    await should(thread.send({ topic, acks: -1, compression: 0, messages: [{ value: 'closed' }] })).be.rejectedWith(/closed/);
  });

  it('is not used when the settings hold functions, nor with produceThread false: the main thread produces', async () => {
    const logger = recordingLogger();
    const withFunction = KafkaConnection.fromConf({ brokers: brokers(), ssl: { checkServerIdentity: () => undefined } }, logger);
    should(withFunction.sender()).not.be.instanceOf(ProduceThread);
    should(logger.lines.join('\n')).match(/cannot be passed to a produce thread.*producing on the main thread/);
    await withFunction.close();

    const topic = uniqueTopic('no-thread');
    await createTopic(topic, 1);
    const mainThread = KafkaConnection.fromConf({ brokers: brokers(), produceThread: false }, recordingLogger());
    try {
      should(mainThread.sender()).not.be.instanceOf(ProduceThread);
      await mainThread.sender().send({ topic, acks: -1, compression: 0, messages: [{ value: 'on main' }] });
      should((await readAll(topic, 1))[0].value).equal('on main');
    } finally {
      await mainThread.close();
    }
    const threaded = KafkaConnection.fromConf({ brokers: brokers() }, recordingLogger());
    should(threaded.sender()).be.instanceOf(ProduceThread);
    await threaded.close();
  });
});
