import type { Message } from 'kafkajs';
import should from 'should';
import { type BatcherOptions, ProduceBatcher } from '../../lib/kafka/batcher';
import { resolveTopicConf, unknownKeys } from '../../lib/kafka/config';
import { DeliveryTimeoutError, isTransient, retryReason } from '../../lib/kafka/delivery';
import type { Produced } from '../../lib/kafka/produced';
import { sleep } from '../support/wait';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const msg = (n: number): Message => ({ key: `k${n}`, value: String(n) });
/** Batcher options; by default no failure is retried. */
const options = (o: Partial<BatcherOptions>): BatcherOptions => ({
  maxBatch: 100, maxQueued: 1_000, lingerMs: 5, deliveryTimeoutMs: 60_000, isTransient: () => false, ...o,
});

describe('ProduceBatcher', () => {
  function recording(fail?: (messages: Message[]) => Error | undefined) {
    const requests: string[][] = [];
    let release: (() => void) | undefined;
    let hold = false;
    let sent = 0;
    /** Answers as a one-partition topic would: consecutive offsets. */
    const send = async (messages: Message[]): Promise<Produced[]> => {
      requests.push(messages.map((m) => String(m.value)));
      if (hold) await new Promise<void>((resolve) => (release = resolve));
      const error = fail?.(messages);
      if (error) throw error;
      return messages.map(() => ({ partition: 0, offset: sent++ }));
    };
    return {
      requests,
      send,
      hold: () => (hold = true),
      release: () => {
        hold = false;
        release?.();
      },
    };
  }

  it('sends records added in one tick together, and those added during a request in the next one, in order', async () => {
    const r = recording();
    r.hold();
    const batcher = new ProduceBatcher(r.send, options({ maxBatch: 100, maxQueued: 1_000, lingerMs: 5 }));
    const first = [0, 1, 2].map((n) => batcher.add(msg(n)));
    await tick();
    const second = [3, 4].map((n) => batcher.add(msg(n)));
    await tick();
    should(r.requests).eql([['0', '1', '2']]); // one request at a time
    r.release();
    await Promise.all([...first, ...second]);
    should(r.requests).eql([['0', '1', '2'], ['3', '4']]);
  });

  it('resolves each record with its own partition and offset from its request\'s answer', async () => {
    const r = recording();
    r.hold();
    const batcher = new ProduceBatcher(r.send, options({ maxBatch: 100, maxQueued: 1_000, lingerMs: 5 }));
    const first = [0, 1, 2].map((n) => batcher.add(msg(n)));
    await tick();
    const second = [3, 4].map((n) => batcher.add(msg(n)));
    r.release();
    should(await Promise.all([...first, ...second])).eql([0, 1, 2, 3, 4].map((offset) => ({ partition: 0, offset })));
    should(r.requests).have.length(2);
  });

  it('rejects the records of a failed request only, and goes on with the next', async () => {
    const r = recording((messages) => (messages.some((m) => m.value === 'bad') ? new Error('too large') : undefined));
    const batcher = new ProduceBatcher(r.send, options({ maxBatch: 100, maxQueued: 1_000, lingerMs: 5 }));
    const failed = [batcher.add(msg(1)), batcher.add({ value: 'bad' })];
    await should(failed[0]).be.rejectedWith('too large');
    await should(failed[1]).be.rejectedWith('too large');
    await batcher.add(msg(2));
    should(r.requests).eql([['1', 'bad'], ['2']]);
  });

  it('lets lingering records wait for more, splits at maxBatch, and flush() sends what lingers', async () => {
    const r = recording();
    const batcher = new ProduceBatcher(r.send, options({ maxBatch: 3, maxQueued: 1_000, lingerMs: 60_000 }));
    const lingering = [1, 2].map((n) => batcher.add(msg(n), true));
    await tick();
    should(r.requests).eql([]); // still lingering
    const full = [3, 4].map((n) => batcher.add(msg(n), true)); // maxBatch reached: goes out
    await Promise.all(lingering);
    should(r.requests).eql([['1', '2', '3']]);
    await tick();
    should(r.requests.length).equal(1); // 4 lingers again
    await batcher.flush();
    await Promise.all(full);
    should(r.requests).eql([['1', '2', '3'], ['4']]);
  });

  it('counts the linger from the oldest queued record: records that waited out a request longer than the linger go as soon as it is done', async () => {
    const r = recording();
    const batcher = new ProduceBatcher(r.send, options({ maxBatch: 100, maxQueued: 1_000, lingerMs: 40 }));
    r.hold();
    const first = batcher.add(msg(1), true);
    await sleep(60); // its linger ran out: on its way, held
    should(r.requests).eql([['1']]);
    const second = batcher.add(msg(2), true);
    await sleep(60); // longer than the linger, while the first request is on its way
    r.release();
    await first;
    await tick();
    should(r.requests).eql([['1'], ['2']]); // at once, not a linger later
    await second;
  });

  it('lingering records queued together share one acknowledgement, resolved once all of them were acknowledged', async () => {
    const r = recording();
    r.hold();
    const batcher = new ProduceBatcher(r.send, options({ maxBatch: 3, maxQueued: 1_000, lingerMs: 5 }));
    const first = batcher.addLingering(msg(0));
    should(batcher.addLingering(msg(1))).equal(first);
    await new Promise((resolve) => setTimeout(resolve, 20)); // the linger ran out: 0 and 1 are in flight
    should(r.requests).eql([['0', '1']]);
    const second = [2, 3, 4, 5].map((n) => batcher.addLingering(msg(n)));
    should(second[0]).not.equal(first); // the request took the first window's records
    should(second[1]).equal(second[0]);
    should(second[2]).equal(second[0]);
    should(second[3]).not.equal(second[0]); // the window was full (maxBatch): 5 opened the next one
    r.release();
    await Promise.all([first, ...second]);
    should(r.requests).eql([['0', '1'], ['2', '3', '4'], ['5']]);
  });

  it('a window cut between two requests waits for both, and rejects with the failure of either', async () => {
    const r = recording((messages) => (messages.some((m) => m.value === '2') ? new Error('request with 2 failed') : undefined));
    r.hold();
    const batcher = new ProduceBatcher(r.send, options({ maxBatch: 2, maxQueued: 1_000, lingerMs: 5 }));
    const inFlight = batcher.add(msg(0));
    await tick();
    const plain = batcher.add(msg(9)); // queued before the window: the next request is 9 and 1
    const window = [1, 2].map((n) => batcher.addLingering(msg(n)));
    should(window[1]).equal(window[0]);
    r.release();
    await Promise.all([inFlight, plain]);
    await should(window[0]).be.rejectedWith('request with 2 failed');
    should(r.requests).eql([['0'], ['9', '1'], ['2']]);
  });

  it('makes callers wait for room while the queue is full', async () => {
    const r = recording();
    r.hold();
    const batcher = new ProduceBatcher(r.send, options({ maxBatch: 2, maxQueued: 2, lingerMs: 5 }));
    void batcher.add(msg(1));
    await tick(); // 1 in flight
    void batcher.add(msg(2));
    void batcher.add(msg(3));
    let roomy = false;
    should(batcher.room()).not.be.undefined(); // full
    void batcher.room()?.then(() => (roomy = true));
    await tick();
    should(roomy).be.false();
    r.release();
    await tick();
    should(roomy).be.true();
    should(batcher.room()).be.undefined(); // 2 and 3 went out in one request
    await batcher.flush();
    should(r.requests).eql([['1'], ['2', '3']]);
  });

  describe('retries while the broker is unreachable', () => {
    // A fake send: the fault (a refused connection) cannot be timed precisely against a real broker here;
    // test/kafka/outage.spec.ts kills a real one.
    const refused = (): Error => Object.assign(new Error('Connection error: connect ECONNREFUSED'), { retriable: true });
    const transient = (e: Error): boolean => (e as { retriable?: boolean }).retriable === true;

    it('sends a failed request again, in order, until it is acknowledged, and says so', async () => {
      let failures = 3;
      const r = recording(() => (failures-- > 0 ? refused() : undefined));
      const events: Array<string> = [];
      const batcher = new ProduceBatcher(r.send, options({ isTransient: transient, onRetry: (s) => events.push(s ? `retrying: ${s.error.message}` : 'over') }));
      const first = [1, 2].map((n) => batcher.add(msg(n)));
      await tick();
      const later = batcher.add(msg(3)); // waits behind the retried request
      await Promise.all([...first, later]);
      should(r.requests).eql([['1', '2'], ['1', '2'], ['1', '2'], ['1', '2'], ['3']]);
      should(events).eql([...Array(3).fill('retrying: Connection error: connect ECONNREFUSED'), 'over']);
    });

    it('fails the records with a DeliveryTimeoutError once their delivery timeout ran out', async () => {
      const r = recording(() => refused());
      const events: Array<string> = [];
      const onRetry = (s: unknown): number => events.push(s ? 'retrying' : 'over');
      const batcher = new ProduceBatcher(r.send, options({ isTransient: transient, deliveryTimeoutMs: 600, onRetry }));
      const started = Date.now();
      const err: Error = await batcher.add(msg(1)).then(() => new Error('expected a failure'), (e: Error) => e);
      should(events.at(-1)).equal('over'); // nothing left to retry
      should(err).be.instanceOf(DeliveryTimeoutError);
      should(err).match({ deliveryTimeout: 600, message: /delivery timeout \(deliveryTimeout 600 ms, \d+ attempts?\); last error: Connection error/ });
      should(Date.now() - started).be.within(550, 5_000);
      should(r.requests.length).be.above(1);
    });

    it('does not retry a permanent failure', async () => {
      const r = recording(() => new Error('Message too large'));
      const batcher = new ProduceBatcher(r.send, options({ isTransient: transient }));
      await should(batcher.add(msg(1))).be.rejectedWith('Message too large');
      should(r.requests.length).equal(1);
    });

    it('stops retrying on abort: the waiting records fail with its error', async () => {
      const r = recording(() => refused());
      const batcher = new ProduceBatcher(r.send, options({ isTransient: transient }));
      const pending = batcher.add(msg(1));
      await new Promise((resolve) => setTimeout(resolve, 50));
      const queued = batcher.add(msg(2));
      batcher.abort(new Error('closed'));
      await should(pending).be.rejectedWith('closed');
      await should(queued).be.rejectedWith('closed');
      await batcher.flush();
      await should(batcher.add(msg(3))).be.rejectedWith('closed');
    });
  });
});

describe('isTransient', () => {
  const kafkajsError = (name: string, retriable: boolean, extra: object = {}): Error =>
    Object.assign(new Error(name), { name, retriable }, extra);

  it('retries what kafkajs would retry, also when wrapped by its retrier', () => {
    const refused = kafkajsError('KafkaJSConnectionError', true, { code: 'ECONNREFUSED' });
    should(isTransient(refused)).be.true();
    should(isTransient(new Error('retries exceeded', { cause: refused }))).be.true();
    should(retryReason(new Error('retries exceeded', { cause: refused }))).equal('broker unreachable');
    should(isTransient(kafkajsError('KafkaJSProtocolError', true))).be.true(); // e.g. a leader election
  });

  it('fails at once on what waiting does not mend', () => {
    should(isTransient(kafkajsError('KafkaJSProtocolError', false))).be.false(); // e.g. an invalid topic
    should(isTransient(new Error('wrapped', { cause: kafkajsError('KafkaJSSASLAuthenticationError', false) }))).be.false();
    should(isTransient(kafkajsError('KafkaJSConnectionError', true, { code: 'SELF_SIGNED_CERT_IN_CHAIN' }))).be.false();
    should(isTransient(new TypeError('bad value'))).be.false();
  });
});

describe('linger', () => {
  it('is 20 ms by default (Kafka linger.ms), configurable down to 0, and a known key', () => {
    should(resolveTopicConf({ brokers: 'b:9092' }).linger).equal(20);
    should(resolveTopicConf({ brokers: 'b:9092', linger: 0 }).linger).equal(0);
    should(resolveTopicConf({ brokers: 'b:9092', linger: 100 }).linger).equal(100);
    should(unknownKeys({ linger: 1, linger_ms: 1 })).eql(['linger_ms']);
  });

  it('rejects a value that is not a number of ms, 0 or more and below deliveryTimeout (as Kafka), naming it', () => {
    for (const bad of [-1, Number.NaN, Infinity, '5', 120_000] as never[]) {
      should(() => resolveTopicConf({ brokers: 'b:9092', linger: bad })).throw(RangeError, {
        message: /^linger must be a number of milliseconds, 0 or more and below deliveryTimeout \(120000\), got: /,
      });
    }
    should(() => resolveTopicConf({ brokers: 'b:9092', linger: 500, deliveryTimeout: 500 })).throw(RangeError, { message: /below deliveryTimeout \(500\)/ });
    should(resolveTopicConf({ brokers: 'b:9092', linger: 499, deliveryTimeout: 500 }).linger).equal(499);
    should(resolveTopicConf({ brokers: 'b:9092', deliveryTimeout: 10 }).linger).equal(5); // the default gives way
  });
});

describe('deliveryTimeout', () => {
  it('is 120 s by default (Kafka delivery.timeout.ms), configurable, and a known key', () => {
    should(resolveTopicConf({ brokers: 'b:9092' }).deliveryTimeout).equal(120_000);
    should(resolveTopicConf({ brokers: 'b:9092', deliveryTimeout: 5_000 }).deliveryTimeout).equal(5_000);
    should(unknownKeys({ deliveryTimeout: 1, delivery_timeout: 1 })).eql(['delivery_timeout']);
  });

  it('rejects a value that is not a positive number of ms, naming it', () => {
    for (const bad of [0, -1, Number.NaN, '60000'] as never[]) {
      should(() => resolveTopicConf({ brokers: 'b:9092', deliveryTimeout: bad })).throw(RangeError, { message: /^deliveryTimeout must be a positive number of milliseconds, got: / });
    }
  });
});
