import { Cache, type CacheOptions } from '../../lib/cache';
import type { ChangelogSource } from '../../lib/interfaces';
import { EngineUnavailableError } from '../../lib/cache/engine';
import { CacheOpenError } from '../../lib/cache/open-error';
import type { Translate } from './i18n';
import { SharedOwner, type User } from './owner';
import { errorStatus, type Status } from './status';

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

/** A store's changelog option: its caches log their changes to Kafka while a topic-in follows it. */
export interface StoreChangelog {
  /** The changelog topic of the default column family (another family's: `<topic>-<family>`); unset: the library's default name. */
  topic?: string;
}

/** The topic-in node whose partitions a store's state follows. */
export interface StoreFollower {
  id: string;
  /** How the node is named in messages (its name, or its id). */
  label: string;
}

/** A store's state can follow one topic-in at a time: `follower` already does. Read `store` and `follower`. */
export class StoreFollowedError extends Error {
  override readonly name = 'StoreFollowedError';

  constructor(
    readonly store: string,
    readonly follower: StoreFollower,
  ) {
    super(`store ${store} already follows the partitions of topic-in ${follower.label}: a store follows one topic-in at a time`);
  }
}

/** A node that uses a store: told about every change of the store's state. */
export type StoreUser = User<StoreState>;

/**
 * One RocksDB database shared by the nodes that use it (Node-RED's
 * `slipstream-store` config node; see `SharedOwner` for the users' part):
 * it opens with the first user, again for a new user after a failed open,
 * and every user hears whether it opened. All users share one `Cache` per column
 * family. Stores on one directory (however it is spelled: symlinks are
 * resolved) share one RocksDB handle and its transaction locks, through the
 * library's registry (`lib/cache/registry.ts`).
 */
export class SharedStore extends SharedOwner<StoreState> {
  private readonly caches = new Map<string, Cache>();
  /** Bumped by `close()`: an open still running then stops and creates no cache. */
  private epoch = 0;
  /** The topic-in whose partitions the state follows (see `follow`), and its topic. */
  private followed: { follower: StoreFollower; source: ChangelogSource } | undefined;
  /** Caches being closed (replaced by `follow` or `unfollow`). */
  private closing: Promise<unknown> = Promise.resolve();

  constructor(
    readonly path: string,
    private readonly options: CacheOptions = {},
    private readonly columnFamilies: string[] = [],
    /** Told the whole error of a failed open (statuses have room for its start only). */
    private readonly onError: (error: Error) => void = () => undefined,
    /** The store node's texts (`slipstream-store.status.*`), which its users show. */
    private readonly translate: Translate = (key) => key,
    /** Log the caches' changes to Kafka while a topic-in follows this store (`follow`). */
    readonly changelog?: StoreChangelog,
  ) {
    super();
  }

  /** The topic-in whose partitions the state follows, if any. */
  get follower(): StoreFollower | undefined {
    return this.followed?.follower;
  }

  /**
   * Let the state follow the partitions of `source` (a topic-in's Topic, not
   * consuming yet): the caches of every configured column family are made
   * again, now, with a changelog kept for `source`, which restores each
   * partition assigned to it before handing out its records (the caches they
   * replace close in the background, writing what they buffered). A store
   * without the changelog option does not follow. Throws
   * `StoreFollowedError` when another topic-in follows the store.
   */
  follow(follower: StoreFollower, source: ChangelogSource): void {
    if (!this.changelog) return;
    if (this.followed && this.followed.follower.id !== follower.id) throw new StoreFollowedError(this.path, this.followed.follower);
    this.followed = { follower, source };
    this.replaceCaches();
    try {
      for (const family of ['default', ...this.columnFamilies]) this.cache(family);
    } catch (err) {
      // E.g. a changelog topic name Kafka refuses: the store does not follow.
      this.followed = undefined;
      this.replaceCaches();
      throw err;
    }
  }

  /** `follower` stopped (closed): its caches close, writing and logging what they buffered; later ones have no changelog. */
  async unfollow(follower: StoreFollower): Promise<void> {
    if (this.followed?.follower.id !== follower.id) return;
    this.followed = undefined;
    this.replaceCaches();
    await this.closing;
  }

  /** A state of this store as the status of a node using it. */
  statusOf(state: StoreState): Status {
    return storeStatus(state, this.translate);
  }

  /** The shared cache on a column family (`default` unless named). */
  cache(columnFamily = 'default'): Cache {
    const family = columnFamily || 'default';
    let cache = this.caches.get(family);
    if (!cache) {
      cache = new Cache(this.path, { ...this.options, columnFamily: family, changelog: this.changelogOf(family) });
      this.caches.set(family, cache);
    }
    return cache;
  }

  /** The changelog option of the cache on `family`, while a topic-in is followed. */
  private changelogOf(family: string): CacheOptions['changelog'] {
    if (!this.followed || !this.changelog) return undefined;
    const named = this.changelog.topic;
    return { source: this.followed.source, topic: named && (family === 'default' ? named : `${named}-${family}`) };
  }

  /** Forget the caches (the next use makes new ones) and close them in the background (`closing`). */
  private replaceCaches(): void {
    const caches = [...this.caches.values()];
    this.caches.clear();
    // A failed close (changes that could not be written) is the store's error, as a failed open.
    const closed = Promise.all(caches.map((cache) => cache.close().catch((err: unknown) => this.onError(err as Error))));
    this.closing = Promise.all([this.closing, closed]);
  }

  /** Close every cache (the database closes with the last one in the process). */
  override async close(): Promise<void> {
    const caches = [...this.caches.values()];
    this.caches.clear();
    this.clearState();
    this.epoch++;
    await Promise.all(caches.map((cache) => cache.close()));
    await this.closing;
  }

  protected override start(): void {
    void this.open();
  }

  protected override needsRestart(state: StoreState): boolean {
    return state.state === 'error';
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
function storeStatus(state: StoreState, t: Translate): Status {
  if (state.state === 'opening') return { fill: 'yellow', shape: 'ring', text: t('slipstream-store.status.opening') };
  if (state.state === 'ready') return { fill: 'green', shape: 'dot', text: t('slipstream-store.status.ready') };
  const { error } = state;
  // The platform, not the start of the loader's message, is what fits under a node.
  if (error instanceof EngineUnavailableError) return errorStatus(error, t('slipstream-store.status.unavailable', { platform: error.platform }));
  // The path would crowd out the reason: another process (a second Node-RED?) holds the directory.
  if (error instanceof CacheOpenError && error.locked) return errorStatus(error, t('slipstream-store.status.locked'));
  return errorStatus(error);
}
