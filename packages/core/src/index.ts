// The wire format.
export {
  formatEvent,
  formatComment,
  encodeEvent,
  encodeComment,
  assertEventName,
  assertEventId,
  assertRetry,
} from './wire/encoder.js';
export type { SseEvent, FormatOptions } from './wire/encoder.js';
export { assertPublishId, parseLastEventId, ID_PATTERN, MAX_ID_LENGTH } from './wire/ids.js';
export type { LastEventId } from './wire/ids.js';
export { RESET_EVENT } from './wire/reserved.js';
export { SsekitError, isSsekitError } from './errors.js';
export type { SsekitErrorCode } from './errors.js';

// The hub and its subscriptions.
export { createHub } from './hub/hub.js';
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
} from './hub/hub-types.js';
export type { HubHooks } from './hub/hooks.js';
export type { Subscription } from './hub/subscription.js';
export { assertTopic, MAX_TOPIC_LENGTH } from './hub/topics.js';

// Streams, the sink seam adapters implement, and hand-driven streams.
export type { SseStream, StreamOptions, SlowClientPolicy } from './stream/stream.js';
export type { Sink, CloseReason, SseStreamControl } from './stream/sink.js';
export { openStream } from './stream/open-stream.js';
export type { OpenStreamOptions } from './stream/open-stream.js';

// The backend seams, with their in-memory versions.
export type { ReplayStore, NewEvent, StoredEvent, ReplayResult } from './store/replay-store.js';
export { MemoryReplayStore } from './store/memory-replay-store.js';
export type { MemoryReplayStoreOptions } from './store/memory-replay-store.js';
export type { Bus, BusHandlers, Envelope } from './store/bus.js';
export { MemoryBus } from './store/memory-bus.js';

// HTTP policy shared by the adapters.
export { assertCorsOptions, checkCors, checkPreflight, forbiddenOrigin } from './http/cors.js';
export type { CorsOptions, CorsCheck } from './http/cors.js';
export { DEFAULT_LIMIT_RETRY_MS, assertLimitRetry, limitRetryDelay, retryLaterBody } from './http/retry-later.js';
