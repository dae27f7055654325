/** Module `id` loaded afresh, as its own copy: what the cached one was replaced by (or what other specs did to it) does not count. The cache keeps the cached one. */
export function freshModule<T>(id: string): T {
  const resolved = require.resolve(id);
  const cached = require.cache[resolved];
  delete require.cache[resolved];
  try {
    return require(resolved) as T;
  } finally {
    if (cached) require.cache[resolved] = cached;
  }
}
