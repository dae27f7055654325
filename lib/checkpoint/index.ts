// Checkpoints: pause a dependent stream while a stream it depends on is down.
export { Checkpoint, type CheckpointCallback, type CheckpointOptions, type HeartbeatResult } from './checkpoint';
export {
  Dependency,
  type CheckpointState,
  type DependencyOptions,
  type DowntimeCheck,
  type RecoveryCheck,
} from './dependency';
export { checkpointKeys, dependencyKeys, type CheckpointKeys, type DependencyKeys } from './keys';
export { type Marker } from './markers';
