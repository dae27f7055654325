/**
 * Replace what module `target` exports with `replace(original)`, unless
 * module `boundBy` (which takes `target`'s exports when it loads) is loaded
 * already: then the original is bound and nothing changes. Whether it was
 * replaced. For kafkajs's internals (pinned to 2.2.4), which must be
 * replaced before kafkajs's producer or consumer loads them.
 */
export function replaceModule<T>(target: string, boundBy: string, replace: (original: T) => T): boolean {
  if (require.cache[require.resolve(boundBy)]) return false;
  const id = require.resolve(target);
  const original = require(id) as T;
  const cached = require.cache[id];
  if (!cached) return false;
  cached.exports = replace(original);
  return true;
}
