/**
 * Cache keys of a checkpoint named `c` with a dependency `d`, under the prefix
 * `p` (default `_`), following the seed's names:
 *
 * | key                          | value                                                    |
 * |------------------------------|----------------------------------------------------------|
 * | `<p><c>_state`               | the dependent's state, merged by every `checkPulse`      |
 * | `<p><c>_state_marker`        | the dependent's marker of the last `checkPulse`          |
 * | `<p><c>_<d>_checkpoint_state`  | the dependent's state at `d`'s last heartbeat          |
 * | `<p><c>_<d>_checkpoint_marker` | the marker of `d`'s last heartbeat                     |
 * | `<p><c>_<d>_downtime`        | `null` while `d` is up; its last measured downtime while down |
 */
export interface CheckpointKeys {
  state: string;
  stateMarker: string;
}

export interface DependencyKeys {
  checkpointState: string;
  checkpointMarker: string;
  downtime: string;
}

export function checkpointKeys(prefix: string, checkpointName: string): CheckpointKeys {
  const base = `${prefix}${checkpointName}_`;
  return { state: `${base}state`, stateMarker: `${base}state_marker` };
}

export function dependencyKeys(prefix: string, checkpointName: string, dependencyName: string): DependencyKeys {
  const base = `${prefix}${checkpointName}_${dependencyName}_`;
  return {
    checkpointState: `${base}checkpoint_state`,
    checkpointMarker: `${base}checkpoint_marker`,
    downtime: `${base}downtime`,
  };
}
