export type Listener = (...args: any[]) => unknown;

/**
 * Process-wide publish/subscribe bus. `new PubSub()` and `PubSub.instance()`
 * return the same object, as the seed's singleton does.
 */
export class PubSub {
  private static shared: PubSub | undefined;
  private readonly topics = new Map<string, Set<Listener>>();

  constructor() {
    if (PubSub.shared) return PubSub.shared;
    PubSub.shared = this;
  }

  static instance(): PubSub {
    return PubSub.shared ?? new PubSub();
  }

  subscribe(topic: string, listener: Listener): void {
    let listeners = this.topics.get(topic);
    if (!listeners) this.topics.set(topic, (listeners = new Set()));
    listeners.add(listener);
  }

  unsubscribe(topic: string, listener: Listener): void {
    const listeners = this.topics.get(topic);
    if (!listeners) return;
    listeners.delete(listener);
    if (listeners.size === 0) this.topics.delete(topic);
  }

  hasListeners(topic: string): boolean {
    return this.topics.has(topic); // a topic's set is dropped with its last listener
  }

  /** Call every listener; promises they return are not awaited. */
  publish(topic: string, ...args: unknown[]): void {
    for (const listener of this.listeners(topic)) void listener(...args);
  }

  /** Call every listener and wait for all of them. */
  async apublish(topic: string, ...args: unknown[]): Promise<void> {
    await Promise.all(this.listeners(topic).map((listener) => listener(...args)));
  }

  /**
   * Iterate over what is published to `topic` from now on. One published
   * argument is yielded as is, several as an array. Stopping the iteration
   * (break, return) unsubscribes.
   */
  iterTopic<T = unknown>(topic: string): AsyncIterableIterator<T> {
    const queue: T[] = [];
    let wake: (() => void) | undefined;
    let done = false;
    const listener = (...args: unknown[]): void => {
      queue.push((args.length === 1 ? args[0] : args) as T);
      wake?.();
    };
    this.subscribe(topic, listener);
    const finish = (): IteratorResult<T> => {
      done = true;
      this.unsubscribe(topic, listener);
      wake?.();
      return { done: true, value: undefined };
    };
    const iterator: AsyncIterableIterator<T> = {
      next: async () => {
        while (!done && queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        if (queue.length > 0) return { done: false, value: queue.shift() as T };
        return { done: true, value: undefined };
      },
      return: async () => finish(),
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  private listeners(topic: string): Listener[] {
    return [...(this.topics.get(topic) ?? [])];
  }
}
