export { SsekitError, isSsekitError } from './errors.js';
export type { SsekitErrorCode } from './errors.js';
export {
  formatEvent,
  formatComment,
  encodeEvent,
  encodeComment,
  assertEventName,
  assertEventId,
  assertRetry,
} from './encoder.js';
export type { SseEvent, FormatOptions } from './encoder.js';
export { createHub } from './hub.js';
export type {
  Hub,
  EventMap,
  EventsOf,
  PublishEvent,
  PublishResult,
  SubscribeOptions,
  HubOptions,
  HubStats,
  HubCloseOptions,
} from './hub-types.js';
export { SseStream } from './stream.js';
export type { StreamOptions, SlowClientPolicy, StreamObserver, HeartbeatClock } from './stream.js';
export { Subscription } from './subscription.js';
export type { Sink, CloseReason, SseStreamControl } from './sink.js';
export type { ReplayStore, StoredEvent, ReplayResult, AppendResult } from './replay-store.js';
export { MemoryReplayStore } from './memory-replay-store.js';
export type { MemoryReplayStoreOptions } from './memory-replay-store.js';
export type { Bus, BusHandlers, Envelope } from './bus.js';
export { MemoryBus } from './memory-bus.js';
export { RESET_EVENT } from './reserved.js';
export { assertPublishId, assertTopic, parseLastEventId, ID_PATTERN, MAX_ID_LENGTH, MAX_TOPIC_LENGTH } from './ids.js';
export { createStream } from './standalone.js';
export type { CreateStreamOptions } from './standalone.js';
export type { HubHooks } from './hooks.js';
export { assertCorsOptions, checkCors, checkPreflight, forbiddenOrigin } from './cors.js';
export type { CorsOptions, CorsCheck } from './cors.js';
export { DEFAULT_LIMIT_RETRY_MS, assertLimitRetry, limitRetryDelay, retryLaterBody } from './retry-later.js';
