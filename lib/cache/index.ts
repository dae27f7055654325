export { Cache } from './cache';
export { CacheBatch } from './batch';
export { CacheSnapshot } from './snapshot';
export { CacheWriteError } from './write-back';
export { EngineUnavailableError } from './engine';
export type { CacheOptions, ColumnFamilyOptions } from './options';
export type { IterateOptions } from './reader';
export type { Columns, Dumps, Loads } from './values';
export type { LiveFile } from './live-files';
