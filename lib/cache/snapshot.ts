import type { EngineSession } from './engine';
import { CacheReader } from './reader';
import type { Store } from './registry';
import type { ValueCodec } from './values';

/**
 * Consistent point-in-time reads of one column family: writes made after
 * `cache.snapshot()` are not seen. Close it when done (it pins old data).
 */
export class CacheSnapshot<V = unknown> extends CacheReader<V> {
  private closed = false;
  private readonly session: EngineSession;

  constructor(store: Store, session: EngineSession, codec: ValueCodec, capacity: number) {
    const generation = store.generation;
    super(
      () => {
        if (this.closed) throw new Error('Cache snapshot is closed');
        if (store.generation !== generation) {
          throw new Error(
            'Cache snapshot is no longer valid: the database was closed or reopened (e.g. a column family was ' +
              'created); take a new snapshot',
          );
        }
        return session;
      },
      codec,
      capacity,
      store.iterators,
    );
    this.session = session;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.session.close();
  }
}
