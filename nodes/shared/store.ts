import { Cache, type CacheOptions } from '../../lib/cache';
import { EngineUnavailableError } from '../../lib/cache/engine';

/** Option presets a store offers in the editor. */
export type StorePreset = 'default' | 'large';

const PRESETS: Record<StorePreset, CacheOptions> = {
  /** The library defaults: 25 MB tables (the seed's target table size), 2 memtables. */
  default: {},
  /** For write-heavy stores: larger tables and more memtables, fewer flushes. */
  large: { targetTableSize: 64 * 1024 * 1024, maxWriteBufferNumber: 4 },
};

export function presetOptions(preset: string | undefined): CacheOptions {
  return PRESETS[(preset ?? 'default') as StorePreset] ?? PRESETS.default;
}

export type StoreState = { state: 'opening' } | { state: 'ready' } | { state: 'error'; error: Error };

/** A node that uses a store: told about every change of the store's state. */
export interface StoreUser {
  readonly id: string;
  onStoreState(state: StoreState): void;
}

/**
 * One RocksDB database shared by the nodes that use it (Node-RED's
 * `slipstream-store` config node), in the manner of core 10-mqtt's broker:
 * users register and deregister; the database opens with the first user and
 * every user hears whether it opened. All users share one `Cache` per column
 * family. Stores on one directory (however it is spelled: symlinks are
 * resolved) share one RocksDB handle and its transaction locks, through the
 * library's registry (`lib/cache/registry.ts`).
 */
export class SharedStore {
  private readonly users = new Map<string, StoreUser>();
  private readonly caches = new Map<string, Cache>();
  private current: StoreState | undefined;
  /** Bumped by `close()`: an open still running then stops and creates no cache. */
  private epoch = 0;

  constructor(
    readonly path: string,
    private readonly options: CacheOptions = {},
    private readonly columnFamilies: string[] = [],
    /** Told the whole error of a failed open (statuses have room for its start only). */
    private readonly onError: (error: Error) => void = () => undefined,
  ) {}

  get state(): StoreState | undefined {
    return this.current;
  }

  /** Start using the store: it opens with the first user (or again after a failed open). */
  register(user: StoreUser): void {
    this.users.set(user.id, user);
    if (this.current === undefined || this.current.state === 'error') void this.open();
    else user.onStoreState(this.current);
  }

  /**
   * Stop using the store. As 10-mqtt does, the database closes when the last
   * user is removed; on a redeploy it stays open for the restarted users
   * (the config node's own close closes it when the config node stops).
   */
  async deregister(user: StoreUser, removed: boolean): Promise<void> {
    this.users.delete(user.id);
    if (removed && this.users.size === 0) await this.close();
  }

  /** The shared cache on a column family (`default` unless named). */
  cache(columnFamily = 'default'): Cache {
    const family = columnFamily || 'default';
    let cache = this.caches.get(family);
    if (!cache) {
      cache = new Cache(this.path, { ...this.options, columnFamily: family });
      this.caches.set(family, cache);
    }
    return cache;
  }

  /** Close every cache (the database closes with the last one in the process). */
  async close(): Promise<void> {
    const caches = [...this.caches.values()];
    this.caches.clear();
    this.current = undefined;
    this.epoch++;
    await Promise.all(caches.map((cache) => cache.close()));
  }

  private async open(): Promise<void> {
    const epoch = this.epoch;
    this.setState({ state: 'opening' });
    try {
      // Every configured column family at once: adding one later reopens the handle.
      for (const family of ['default', ...this.columnFamilies]) {
        if (epoch !== this.epoch) return;
        await this.cache(family).ready();
      }
      if (epoch === this.epoch) this.setState({ state: 'ready' });
    } catch (err) {
      if (epoch !== this.epoch) return;
      this.onError(err as Error);
      this.setState({ state: 'error', error: err as Error });
    }
  }

  private setState(state: StoreState): void {
    this.current = state;
    for (const user of [...this.users.values()]) user.onStoreState(state);
  }
}

/** `"a, b,,c"` → `['a', 'b', 'c']`. */
export function parseList(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);
}

/** What a config node of type `slipstream-store` offers its users. */
export interface StoreConfig {
  store: SharedStore;
}

/** Node status (Node-RED's `{ fill, shape, text }`) for a store state. */
export function storeStatus(state: StoreState): { fill: 'yellow' | 'green' | 'red'; shape: 'ring' | 'dot'; text: string } {
  if (state.state === 'opening') return { fill: 'yellow', shape: 'ring', text: 'opening store' };
  if (state.state === 'ready') return { fill: 'green', shape: 'dot', text: 'ready' };
  const { error } = state;
  // The platform, not the start of the loader's message, is what fits under a node.
  const text = error instanceof EngineUnavailableError ? `RocksDB is not available on this platform: ${error.platform}` : error.message;
  return { fill: 'red', shape: 'ring', text: shortText(text) };
}

/** Status text fits under a node. */
export function shortText(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
