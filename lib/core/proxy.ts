import { Callable } from '../utils/callable';

interface Delivery<T> {
  value: T;
  /** Tells the producer the consumer took the value. */
  taken: () => void;
}

interface Subscriber<T> {
  queue: Delivery<T>[];
  wake: (() => void) | undefined;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/**
 * Passes messages from one handler to others: a callable sink
 * (`await proxy(value)`) and an async-iterable source of what was sent.
 *
 *     const greetings = new Proxy<string>();
 *     handle(names, { sink: [greetings] })((name) => `Hello ${name}!`);
 *     handle(greetings, { sink: [console.log] })((greeting) => greeting);
 *
 * Hand-over with back-pressure: `await proxy(value)` resolves once every
 * iterator that was listening when it was called has taken the value, so a
 * producer never runs ahead of its consumers by more than one message each,
 * and values come out in the order they were sent. A value sent while nobody
 * listens is dropped, as with `PubSub`. `stream()` obtains every source's
 * iterator before any handler runs, so a consumer registered with `handle` is
 * always listening.
 *
 * A proxy never ends by itself: `close()` lets the iterators finish the values
 * already sent and then end (so that `stream()` can return); sending after
 * `close()` throws. An iterator that stops (`break`) releases producers
 * waiting on it.
 */
export class Proxy<T = unknown> extends Callable<[T], Promise<void>> implements AsyncIterable<T> {
  private readonly subscribers = new Set<Subscriber<T>>();
  private closed = false;

  protected async invoke(value: T): Promise<void> {
    if (this.closed) throw new Error('Cannot send to a closed Proxy');
    const taken: Promise<void>[] = [];
    for (const subscriber of this.subscribers) {
      taken.push(new Promise<void>((resolve) => subscriber.queue.push({ value, taken: resolve })));
      subscriber.wake?.();
    }
    await Promise.all(taken);
  }

  /** End the iterators once they have taken what was already sent. */
  close(): void {
    this.closed = true;
    for (const subscriber of this.subscribers) subscriber.wake?.();
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    const subscriber: Subscriber<T> = { queue: [], wake: undefined };
    this.subscribers.add(subscriber);
    return {
      next: async (): Promise<IteratorResult<T>> => {
        while (subscriber.queue.length === 0 && !this.closed && this.subscribers.has(subscriber)) {
          await new Promise<void>((resolve) => (subscriber.wake = resolve));
          subscriber.wake = undefined;
        }
        const delivery = subscriber.queue.shift();
        if (!delivery) {
          this.subscribers.delete(subscriber);
          return DONE;
        }
        delivery.taken();
        return { done: false, value: delivery.value };
      },
      return: async (): Promise<IteratorResult<T>> => {
        this.subscribers.delete(subscriber);
        for (const delivery of subscriber.queue.splice(0)) delivery.taken();
        subscriber.wake?.();
        return DONE;
      },
    };
  }
}
