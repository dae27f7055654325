/**
 * Base class for objects that are also functions: `topic(key, value)`,
 * `cache(key, value)`. The constructor returns a function whose prototype is
 * the subclass prototype, so `typeof x === 'function'` and `x instanceof Sub`
 * both hold. Subclasses implement `invoke`; it is not called `call` because
 * that would shadow `Function.prototype.call`.
 */
export interface Callable<A extends unknown[], R> {
  (...args: A): R;
}

export abstract class Callable<A extends unknown[], R> {
  constructor() {
    const fn = (...args: A): R => (fn as unknown as Callable<A, R>).invoke(...args);
    Object.setPrototypeOf(fn, new.target.prototype);
    return fn as unknown as Callable<A, R>;
  }

  protected abstract invoke(...args: A): R;
}

// Keep Function.prototype members (bind, apply, call) on every callable instance.
Object.setPrototypeOf(Callable.prototype, Function.prototype);
