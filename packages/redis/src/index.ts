export { createRedisBackend } from './backend.js';
export type { RedisBackend, RedisBackendOptions } from './backend.js';
export { createRedisBus, RedisBus } from './bus.js';
export type { RedisBusOptions } from './bus.js';
export { createRedisReplayStore, RedisReplayStore } from './replay-store.js';
export type { RedisReplayStoreOptions } from './replay-store.js';
export type { RedisConnectionOptions } from './connection.js';
export type { SentinelConnectionOptions } from './sentinel.js';
export { encodeEnvelope, decodeEnvelope } from './envelope-codec.js';
