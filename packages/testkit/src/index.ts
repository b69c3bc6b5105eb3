export { SseClient } from './sse-client.js';
export type { ReceivedEvent, ConnectOptions } from './sse-client.js';
export { startDemo, repoRoot } from './demo.js';
export { ALL_DEMOS, chosenDemos, differencesOf } from './demo-list.js';
export type { RuntimeDifferences } from './demo-list.js';
export type { RunningDemo } from './demo.js';
export { request, publish, stats, eventually } from './http.js';
export type { HttpAnswer } from './http.js';
export { defineContractSuite, freshTopic, wireFrame, withoutComments, CONTRACT_ENV } from './contract.js';
export { defineClientSuite, CLIENT_ENV } from './client-suite.js';
export { startStreamProxy } from './stream-proxy.js';
export { CHROMIUM_ARGS, CHROMIUM_PATH, chromiumPath } from './chromium.js';
export type { DropMode, ProxiedRequest, ProxyPage, StreamProxy } from './stream-proxy.js';
export { startRedis } from './redis-server.js';
export type { RunningRedis } from './redis-server.js';
export { startRedisCluster } from './redis-cluster.js';
export type { ClusterShard, RedisClusterOptions, RunningRedisCluster } from './redis-cluster.js';
export { startRedisSentinel } from './redis-sentinel.js';
export type { RedisSentinelOptions, RunningRedisSentinel } from './redis-sentinel.js';
export { redisCall, RedisReplyError } from './resp.js';
export type { RedisReply } from './resp.js';
export { defineReplayStoreConformance, defineBusConformance } from './conformance.js';
export type { ReplayStoreConformanceOptions, MakeReplayStore, BusHarness } from './conformance.js';
export { defineFuzzSuite, FUZZ_ENV } from './fuzz.js';
export { defineMetricsRouteSuite, parseExposition } from './metrics-route.js';
export { rawRequest, halfSent } from './raw-http.js';
export { activeResources, connectionsOf, listenerCounts, quietListenerCounts } from './resources.js';
export type { RawAnswer } from './raw-http.js';
export { ADAPTERS, describeEachAdapter } from './adapters/index.js';
export {
  CONTRACT_HEADERS,
  FORBIDDEN_ORIGIN,
  LIMITED,
  RETRY,
  allowedPreflight,
  headHeaders,
  messageOf,
  openClient,
  preflight,
  preflightHeaders,
  refusalBody,
  refusalHeaders,
  retryAnswerHeaders,
  retryHint,
  stable,
  streamHeaders,
  testHub,
} from './adapters/wire.js';
export { ALREADY_STARTED, PAGE } from './adapters/listen.js';
export type {
  Adapter,
  MatrixOptions,
  MatrixServer,
  Prelude,
  ServeSetup,
  TicksRoute,
  Transport,
} from './adapters/index.js';
