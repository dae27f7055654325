/**
 * A fixed pool of FIFO async locks; a key maps to one lock by hash, so
 * transactions on one key run one after another in arrival order. Distinct
 * keys may share a lock (as in the seed): never nest transactions on two keys.
 */
export class LockPool {
  private readonly tails: Array<Promise<void>>;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`numberOfLocks must be a positive integer, got ${size}`);
    }
    this.tails = Array.from({ length: size }, () => Promise.resolve());
  }

  /** Run `fn` while holding the lock of `encodedKey`. */
  async run<T>(encodedKey: Buffer, fn: () => Promise<T> | T): Promise<T> {
    const index = fnv1a(encodedKey) % this.size;
    const previous = this.tails[index];
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    // Each waiter queues behind the one before it: first come, first served.
    this.tails[index] = previous.then(() => held);
    await previous;
    try {
      return await fn();
    } finally {
      release();
    }
  }
}

function fnv1a(bytes: Buffer): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    hash ^= bytes[i];
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
