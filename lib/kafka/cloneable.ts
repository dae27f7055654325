/**
 * Whether `value` survives structured cloning, as what a worker thread is
 * started with must (connection settings may hold functions, e.g. in `ssl`).
 */
export function isCloneable(value: unknown): boolean {
  try {
    structuredClone(value);
    return true;
  } catch {
    return false;
  }
}
