import type { Checkpoint } from './checkpoint';
import { markerGap } from './markers';

/** What `checkPulse` records about the dependent, e.g. `{ [partition]: offset }`. */
export type CheckpointState = Record<string, unknown>;

/**
 * Decides whether a dependency is down: a truthy result is the downtime
 * (reported by `checkPulse`), anything falsy means "up". May be async.
 */
export type DowntimeCheck = (checkpoint: Checkpoint, dependency: Dependency) => unknown;

/** Decides whether a dependency that is down has caught up. May be async. */
export type RecoveryCheck = (checkpoint: Checkpoint, dependency: Dependency) => boolean | Promise<boolean>;

export interface DependencyOptions {
  /** Downtime (ms) the default `downtimeCheck` tolerates; default 600 000 (10 minutes). */
  downtimeThreshold?: number;
  downtimeCheck?: DowntimeCheck;
  recoveryCheck?: RecoveryCheck;
}

const DEFAULT_DOWNTIME_THRESHOLD_MS = 600_000;

/**
 * A stream the dependent stream of a `Checkpoint` depends on, e.g. the
 * weather that activities are joined with. Its name is part of the cache keys
 * of the checkpoint: do not change it once state has been persisted.
 *
 * `checkpointState`, `checkpointMarker` and `downtime` are kept by the
 * checkpoint the dependency belongs to (a dependency belongs to one).
 */
export class Dependency {
  readonly name: string;
  readonly source: AsyncIterable<unknown>;
  readonly downtimeThreshold: number;
  readonly downtimeCheck: DowntimeCheck;
  readonly recoveryCheck: RecoveryCheck;
  /** The dependent's state when this dependency's last heartbeat (or the first pulse) came. */
  checkpointState: CheckpointState | null = null;
  /** The marker of the last heartbeat (or of the first pulse, before any heartbeat). */
  checkpointMarker: unknown = null;
  /** `null` while up; the downtime last measured while down. */
  downtime: unknown = null;

  constructor(name: string, source: AsyncIterable<unknown>, options: DependencyOptions = {}) {
    if (typeof name !== 'string' || name.length === 0) throw new TypeError('Dependency name must be a non-empty string');
    const threshold = options.downtimeThreshold ?? DEFAULT_DOWNTIME_THRESHOLD_MS;
    if (typeof threshold !== 'number' || !(threshold >= 0)) {
      throw new RangeError(`Dependency "${name}": downtimeThreshold must be a number of ms >= 0, got: ${String(threshold)}`);
    }
    this.name = name;
    this.source = source;
    this.downtimeThreshold = threshold;
    this.downtimeCheck = options.downtimeCheck ?? Dependency.defaultDowntimeCheck;
    this.recoveryCheck = options.recoveryCheck ?? Dependency.defaultRecoveryCheck;
  }

  get isDown(): boolean {
    return this.downtime !== null;
  }

  /**
   * Down when the dependent's marker is more than `downtimeThreshold` ms
   * ahead of the dependency's last heartbeat: returns that gap (ms), else null.
   */
  static defaultDowntimeCheck(this: void, checkpoint: Checkpoint, dependency: Dependency): number | null {
    const gap = markerGap(checkpoint.stateMarker, dependency.checkpointMarker, dependency.name, 'downtimeCheck');
    return gap > dependency.downtimeThreshold ? gap : null;
  }

  /** Recovered once a heartbeat's marker is later than the dependent's marker. */
  static defaultRecoveryCheck(this: void, checkpoint: Checkpoint, dependency: Dependency): boolean {
    return markerGap(checkpoint.stateMarker, dependency.checkpointMarker, dependency.name, 'recoveryCheck') < 0;
  }
}
