import type { Message } from 'kafkajs';
import should from 'should';
import { ProduceBatcher } from '../../lib/kafka/batcher';

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const msg = (n: number): Message => ({ key: `k${n}`, value: String(n) });

describe('ProduceBatcher', () => {
  function recording(fail?: (messages: Message[]) => Error | undefined) {
    const requests: string[][] = [];
    let release: (() => void) | undefined;
    let hold = false;
    const send = async (messages: Message[]): Promise<void> => {
      requests.push(messages.map((m) => String(m.value)));
      if (hold) await new Promise<void>((resolve) => (release = resolve));
      const error = fail?.(messages);
      if (error) throw error;
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
    const batcher = new ProduceBatcher(r.send, { maxBatch: 100, maxQueued: 1_000, lingerMs: 5 });
    const first = [0, 1, 2].map((n) => batcher.add(msg(n)));
    await tick();
    const second = [3, 4].map((n) => batcher.add(msg(n)));
    await tick();
    should(r.requests).eql([['0', '1', '2']]); // one request at a time
    r.release();
    await Promise.all([...first, ...second]);
    should(r.requests).eql([['0', '1', '2'], ['3', '4']]);
  });

  it('rejects the records of a failed request only, and goes on with the next', async () => {
    const r = recording((messages) => (messages.some((m) => m.value === 'bad') ? new Error('too large') : undefined));
    const batcher = new ProduceBatcher(r.send, { maxBatch: 100, maxQueued: 1_000, lingerMs: 5 });
    const failed = [batcher.add(msg(1)), batcher.add({ value: 'bad' })];
    await should(failed[0]).be.rejectedWith('too large');
    await should(failed[1]).be.rejectedWith('too large');
    await batcher.add(msg(2));
    should(r.requests).eql([['1', 'bad'], ['2']]);
  });

  it('lets lingering records wait for more, splits at maxBatch, and flush() sends what lingers', async () => {
    const r = recording();
    const batcher = new ProduceBatcher(r.send, { maxBatch: 3, maxQueued: 1_000, lingerMs: 60_000 });
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

  it('makes callers wait for room while the queue is full', async () => {
    const r = recording();
    r.hold();
    const batcher = new ProduceBatcher(r.send, { maxBatch: 2, maxQueued: 2, lingerMs: 5 });
    void batcher.add(msg(1));
    await tick(); // 1 in flight
    void batcher.add(msg(2));
    void batcher.add(msg(3));
    let roomy = false;
    void batcher.room().then(() => (roomy = true));
    await tick();
    should(roomy).be.false();
    r.release();
    await tick();
    should(roomy).be.true();
    await batcher.flush();
    should(r.requests).eql([['1'], ['2', '3']]);
  });
});
