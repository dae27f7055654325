// Public API of the slipstream core library. No Node-RED import anywhere in lib/.

// Utilities
export { Signal, type SignalName } from './utils/signal';
export { PubSub, type Listener } from './utils/pubsub';
export { AsyncSynchronizedGenerator } from './utils/synchronized';
export { Callable } from './utils/callable';

// Core: sources, handlers, sinks
export { PausableStream, type PausableStreamOptions } from './core/pausable';
export { Conf, type Kwargs, type Pipe, type Handler, type ExitHook } from './core/conf';
export { handle, stream, type HandleOptions, type UserHandler, type WrappedHandler } from './core/handle';
export { type Sink, type FunctionSink } from './core/sink';
export { StreamError } from './core/errors';
export { Proxy, Proxy as SlipstreamProxy } from './core/proxy';

// Interfaces and codecs
export { EXIT_HOOK, hasExitHook, type HasExitHook, ICache, isKeyedSink, KEYED_SINK, type KeyedSink, type Key, type ICodec } from './interfaces';
export { JsonCodec } from './codecs';
export { MemoryCache } from './memory-cache';

// Kafka, RocksDB and checkpoints
export * from './topic';
export * from './cache';
export * from './checkpoint';
export { type Logger, consoleLogger } from './log';
