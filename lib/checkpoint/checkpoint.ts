import { Conf } from '../core/conf';
import type { ICache } from '../interfaces';
import { Topic } from '../topic';
import { Signal } from '../utils/signal';
import type { CheckpointState, Dependency } from './dependency';
import { checkpointKeys, type CheckpointKeys, dependencyKeys, type DependencyKeys } from './keys';

/** Called with the checkpoint and the dependency that went down or recovered last. May be async. */
export type CheckpointCallback = (checkpoint: Checkpoint, dependency: Dependency) => unknown;

export interface CheckpointOptions {
  /** The stream that depends on the others: paused while one of them is down. */
  dependent: AsyncIterable<unknown>;
  dependencies: Dependency[];
  /** Called once per downtime of a dependency, after the dependent was paused. */
  downtimeCallback?: CheckpointCallback;
  /**
   * Called once no dependency is left down, before the dependent is resumed,
   * so that a seek it makes (to reprocess) comes before any further message.
   */
  recoveryCallback?: CheckpointCallback;
  /** Where state and markers persist (see `keys.ts`); without one they live as long as the process. */
  cache?: ICache;
  cacheKeyPrefix?: string;
  pauseDependent?: boolean;
}

export interface HeartbeatResult {
  /** Whether the dependency is (still) down after this heartbeat. */
  isLate: boolean;
  dependentMarker: unknown;
  dependencyMarker: unknown;
}

/**
 * Pauses a dependent stream while a stream it depends on is down or late,
 * and resumes it when every dependency has caught up.
 *
 * The dependent's handler calls `checkPulse(marker, state)` for every
 * message; each dependency's handler calls `heartbeat(marker, name)`. When a
 * dependency's `downtimeCheck` finds it down, the dependent is paused and
 * `downtimeCallback` is called; when its `recoveryCheck` passes and no other
 * dependency is down, `recoveryCallback` is called and the dependent resumed.
 *
 * Pausing: a dependent bound with `handle` is paused through its
 * `PausableStream` in `new Conf().iterables` (`Signal.PAUSE` / `Signal.RESUME`);
 * a `Topic` not registered with `Conf` is paused directly (`topic.pause()`);
 * any other dependent is not paused (the callbacks still run).
 *
 * With a `cache`, state, markers and down status persist under keys derived
 * from the checkpoint's and dependencies' names (see `keys.ts`), and a new
 * checkpoint with the same names and cache continues where the old one
 * stopped: it restores on `ready()`, which the first `checkPulse` or
 * `heartbeat` awaits anyway. A dependency restored as down pauses the
 * dependent again on the next pulse. Values are stored as they are: markers
 * stay Dates only with a cache that keeps Dates (`MemoryCache`, the RocksDB
 * `Cache`); use epoch-ms markers otherwise.
 *
 * `checkPulse` and `heartbeat` calls run one at a time, in call order, so a
 * heartbeat never interleaves with a pulse's checks and callbacks. A callback
 * must therefore not wait for another `checkPulse` or `heartbeat`. An error in
 * a check or callback rejects the call (and, under `handle`, stops the stream);
 * after a failed recovery callback the dependency is still down and the
 * dependent still paused, so the next heartbeat tries the recovery again.
 */
export class Checkpoint {
  readonly name: string;
  readonly dependent: AsyncIterable<unknown>;
  readonly dependencies: ReadonlyMap<string, Dependency>;
  readonly pauseDependent: boolean;
  readonly cache: ICache | undefined;
  readonly cacheKeyPrefix: string;
  /** The dependent's state: every `checkPulse` state merged. */
  state: CheckpointState = {};
  /** The marker of the last `checkPulse`. */
  stateMarker: unknown = null;
  private readonly downtimeCallback: CheckpointCallback | undefined;
  private readonly recoveryCallback: CheckpointCallback | undefined;
  private readonly keys: CheckpointKeys;
  private restored: Promise<void> | undefined;
  private tail: Promise<unknown> = Promise.resolve();

  constructor(name: string, options: CheckpointOptions) {
    if (typeof name !== 'string' || name.length === 0) throw new TypeError('Checkpoint name must be a non-empty string');
    const { dependent, dependencies } = options;
    if (typeof (dependent as Partial<AsyncIterable<unknown>> | undefined)?.[Symbol.asyncIterator] !== 'function') {
      throw new TypeError(`Checkpoint "${name}": dependent must be an async-iterable source`);
    }
    if (!Array.isArray(dependencies) || dependencies.length === 0) {
      throw new TypeError(`Checkpoint "${name}" needs at least one dependency`);
    }
    const byName = new Map<string, Dependency>();
    for (const dependency of dependencies) {
      if (byName.has(dependency.name)) throw new Error(`Checkpoint "${name}" has two dependencies named "${dependency.name}"`);
      byName.set(dependency.name, dependency);
    }
    this.name = name;
    this.dependent = dependent;
    this.dependencies = byName;
    this.pauseDependent = options.pauseDependent ?? true;
    this.cache = options.cache;
    this.cacheKeyPrefix = options.cacheKeyPrefix ?? '_';
    this.downtimeCallback = options.downtimeCallback;
    this.recoveryCallback = options.recoveryCallback;
    this.keys = checkpointKeys(this.cacheKeyPrefix, name);
  }

  /** The dependency with this name (the seed's `checkpoint[name]`). */
  get(dependencyName: string): Dependency {
    const dependency = this.dependencies.get(dependencyName);
    if (!dependency) throw new Error(`Checkpoint "${this.name}" has no dependency "${dependencyName}" (it has: ${this.names()})`);
    return dependency;
  }

  /** Restore state from the cache (once); the first `checkPulse`/`heartbeat` awaits it too. */
  ready(): Promise<void> {
    if (!this.restored) {
      this.restored = this.restore();
      this.restored.catch(() => (this.restored = undefined)); // a failed restore is tried again
    }
    return this.restored;
  }

  /**
   * Record the dependent's `marker` and merge `state` (e.g. `{ [partition]:
   * offset }`), then check every dependency. Returns the downtime of the
   * first dependency that is down (ms with the default check), else null.
   */
  checkPulse(marker: unknown, state: CheckpointState = {}): Promise<unknown> {
    return this.serially(async () => {
      this.state = { ...this.state, ...state };
      this.stateMarker = marker;
      await this.save([
        [this.keys.state, this.state],
        [this.keys.stateMarker, marker],
      ]);
      const wentDown: Dependency[] = [];
      for (const dependency of this.dependencies.values()) {
        // Before its first heartbeat, a dependency is taken to be level with the dependent.
        if (dependency.checkpointMarker === null) await this.saveCheckpoint(dependency, marker);
        const wasDown = dependency.isDown;
        if ((await this.measureDowntime(dependency)) && !wasDown) wentDown.push(dependency);
      }
      const down = this.firstDown();
      if (!down) return null;
      this.signalDependent(Signal.PAUSE);
      for (const dependency of wentDown) await this.downtimeCallback?.(this, dependency);
      return down.downtime;
    });
  }

  /**
   * Record a dependency's `marker` together with the dependent's current state.
   * `dependencyName` is required when there are several dependencies.
   */
  heartbeat(marker: unknown, dependencyName?: string): Promise<HeartbeatResult> {
    return this.serially(async () => {
      const dependency = this.pick(dependencyName);
      await this.saveCheckpoint(dependency, marker);
      if (dependency.isDown && (await dependency.recoveryCheck(this, dependency))) {
        const last = !this.firstDown(dependency);
        // Marked up only after the callback: if it throws, the next heartbeat tries again.
        if (last) await this.recoveryCallback?.(this, dependency);
        await this.setDowntime(dependency, null);
        if (last) this.signalDependent(Signal.RESUME);
      }
      return { isLate: dependency.isDown, dependentMarker: this.stateMarker, dependencyMarker: dependency.checkpointMarker };
    });
  }

  /** Run `task` after every earlier call has finished (and after the restore). */
  private serially<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(() => this.ready()).then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }

  private pick(dependencyName: string | undefined): Dependency {
    if (dependencyName !== undefined) return this.get(dependencyName);
    if (this.dependencies.size > 1) {
      throw new Error(`Checkpoint "${this.name}" has several dependencies: name the one of this heartbeat (${this.names()})`);
    }
    return this.dependencies.values().next().value as Dependency;
  }

  /** Runs the downtime check; stores a truthy result as the downtime. Returns whether it was truthy. */
  private async measureDowntime(dependency: Dependency): Promise<boolean> {
    const downtime: unknown = await dependency.downtimeCheck(this, dependency);
    if (!downtime) return false;
    await this.setDowntime(dependency, downtime);
    return true;
  }

  private firstDown(except?: Dependency): Dependency | undefined {
    for (const dependency of this.dependencies.values()) if (dependency.isDown && dependency !== except) return dependency;
    return undefined;
  }

  private signalDependent(signal: Signal): void {
    if (!this.pauseDependent) return;
    const conf = new Conf();
    const stream = conf.iterables.get(conf.iterableKey(this.dependent));
    if (stream) stream.sendSignal(signal);
    else if (this.dependent instanceof Topic) {
      if (signal === Signal.PAUSE) this.dependent.pause();
      else this.dependent.resume();
    }
  }

  private async saveCheckpoint(dependency: Dependency, marker: unknown): Promise<void> {
    dependency.checkpointState = this.state;
    dependency.checkpointMarker = marker;
    const keys = this.keysOf(dependency);
    await this.save([
      [keys.checkpointState, this.state],
      [keys.checkpointMarker, marker],
    ]);
  }

  private async setDowntime(dependency: Dependency, downtime: unknown): Promise<void> {
    dependency.downtime = downtime;
    await this.save([[this.keysOf(dependency).downtime, downtime]]);
  }

  private async save(entries: Array<[string, unknown]>): Promise<void> {
    const cache = this.cache;
    if (cache) await Promise.all(entries.map(([key, value]) => cache.put(key, value)));
  }

  private async restore(): Promise<void> {
    const cache = this.cache;
    if (!cache) return;
    this.state = ((await cache.get(this.keys.state)) as CheckpointState | undefined) ?? {};
    this.stateMarker = (await cache.get(this.keys.stateMarker)) ?? null;
    for (const dependency of this.dependencies.values()) {
      const keys = this.keysOf(dependency);
      dependency.checkpointState = ((await cache.get(keys.checkpointState)) as CheckpointState | undefined) ?? null;
      dependency.checkpointMarker = (await cache.get(keys.checkpointMarker)) ?? null;
      dependency.downtime = (await cache.get(keys.downtime)) ?? null;
    }
  }

  private keysOf(dependency: Dependency): DependencyKeys {
    return dependencyKeys(this.cacheKeyPrefix, this.name, dependency.name);
  }

  private names(): string {
    return [...this.dependencies.keys()].join(', ');
  }
}
