import should from 'should';
import { PubSub } from '../../lib';

describe('PubSub', () => {
  const pubsub = PubSub.instance();

  it('is a singleton', () => {
    should(new PubSub()).equal(pubsub);
    should(PubSub.instance()).equal(pubsub);
  });

  it('publishes to subscribers until they unsubscribe', () => {
    const got: unknown[][] = [];
    const listener = (...args: unknown[]): void => void got.push(args);
    pubsub.subscribe('t-sub', listener);
    should(pubsub.hasListeners('t-sub')).be.true();
    pubsub.publish('t-sub', 1, 'a');
    pubsub.unsubscribe('t-sub', listener);
    should(pubsub.hasListeners('t-sub')).be.false();
    pubsub.publish('t-sub', 2);
    should(got).eql([[1, 'a']]);
  });

  it('apublish waits for async listeners', async () => {
    let done = false;
    const listener = async (): Promise<void> => {
      await new Promise((resolve) => setTimeout(resolve, 10));
      done = true;
    };
    pubsub.subscribe('t-async', listener);
    await pubsub.apublish('t-async');
    pubsub.unsubscribe('t-async', listener);
    should(done).be.true();
  });

  it('iterTopic yields what is published and unsubscribes on break', async () => {
    const iterator = pubsub.iterTopic<number>('t-iter');
    pubsub.publish('t-iter', 1);
    pubsub.publish('t-iter', 2);
    const seen: number[] = [];
    for await (const n of iterator) {
      seen.push(n);
      if (n === 2) break;
    }
    should(seen).eql([1, 2]);
    let called = false;
    pubsub.subscribe('t-iter', () => (called = true));
    pubsub.publish('t-iter', 3);
    should(called).be.true(); // the topic still works for others
    should((await iterator.next()).done).be.true();
  });
});
