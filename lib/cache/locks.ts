/**
 * A fixed pool of FIFO async locks; a key maps to one lock by hash, so
 * transactions on one key run one after another in arrival order. Distinct
 * keys may share a lock (as in the seed): never nest transactions on two keys.
 */
export class LockPool {
  /** Per lock: whether it is held. */
  private readonly held: boolean[];
  /** Per lock: who waits for it, in arrival order (made at its first wait). */
  private readonly waiting: Array<Array<() => void> | undefined>;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`numberOfLocks must be a positive integer, got ${size}`);
    }
    this.held = new Array<boolean>(size).fill(false);
    this.waiting = new Array<Array<() => void> | undefined>(size);
  }

  /** Run `fn(arg)` while holding the lock of `encodedKey`. */
  run<T, A>(encodedKey: Buffer, fn: (arg: A) => Promise<T> | T, arg: A): Promise<T> {
    const index = fnv1a(encodedKey) % this.size;
    // A free lock is taken at once: no promise is made for the common uncontended case.
    if (!this.held[index]) {
      this.held[index] = true;
      return this.holding(index, fn, arg);
    }
    const queue = (this.waiting[index] ??= []);
    return new Promise<void>((resolve) => queue.push(resolve)).then(() => this.holding(index, fn, arg));
  }

  /** `fn(arg)` with lock `index` held, released when it settles (one reaction, not an async frame). */
  private holding<T, A>(index: number, fn: (arg: A) => Promise<T> | T, arg: A): Promise<T> {
    let result: Promise<T> | T;
    try {
      result = fn(arg);
    } catch (err) {
      this.release(index);
      return Promise.reject(err);
    }
    if (!(result instanceof Promise)) {
      this.release(index);
      return Promise.resolve(result);
    }
    return result.then(
      (value) => {
        this.release(index);
        return value;
      },
      (err: unknown) => {
        this.release(index);
        throw err;
      },
    );
  }

  /** Hand lock `index` straight to the next waiter (it stays held): first come, first served. */
  private release(index: number): void {
    const next = this.waiting[index]?.shift();
    if (next) next();
    else this.held[index] = false;
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
