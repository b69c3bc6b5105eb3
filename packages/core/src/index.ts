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
export type { Hub, EventMap, EventsOf, HubStats, HubCloseOptions } from './hub/hub-types.js';
export type { PublishEvent, PublishOptions, PublishResult } from './hub/publish-types.js';
export type { Preparation, SubscribeOptions } from './hub/subscribe-types.js';
export type { HubOptions } from './hub/hub-options.js';
export type { HubHooks } from './hub/hooks.js';
export type { Register, RegisteredEvents } from './hub/register.js';
export type { Subscription } from './hub/subscription.js';
export { assertTopic, MAX_TOPIC_LENGTH } from './hub/topics.js';

// Streams, the sink seam adapters implement, and hand-driven streams.
export type { SseStream } from './stream/stream.js';
export type { StreamOptions, SlowClientPolicy } from './stream/stream-types.js';
export type { StreamEvent, StreamPipeOptions, StreamPipeResult } from './stream/pipe.js';
export type { PipeSource } from './stream/source.js';
export type { HubPipeOptions, HubPipeResult } from './hub/pipe.js';
export type { Sink, CloseReason, SseStreamControl } from './stream/sink.js';
export { openStream, assertOpenStreamOptions } from './stream/open-stream.js';
export type { OpenStreamOptions } from './stream/open-stream.js';

// The backend seams, with their in-memory versions.
export type { ReplayStore, NewEvent, StoredEvent, ReplayResult } from './store/replay-store.js';
export { encodeGroupCursor, decodeGroupCursor, MAX_CURSOR_GROUPS } from './store/ordering.js';
export type { StoreOrdering } from './store/ordering.js';
export { MemoryReplayStore } from './store/memory-replay-store.js';
export type { MemoryReplayStoreOptions } from './store/memory-replay-store.js';
export type { Bus, BusHandlers, Envelope } from './store/bus.js';
export { MemoryBus } from './store/memory-bus.js';

// Request admission and HTTP policy, shared by the adapters.
export { createAdmission } from './http/admission.js';
export type { Admission, AdmissionSpec, AdmissionTicket } from './http/admission.js';
export type { AdmissionOptions } from './http/admission-options.js';
export { assertAdmissionOptions } from './http/assert-options.js';
export { isStreamRequest, LAST_EVENT_ID_PARAM } from './http/request-view.js';
export type { RequestView } from './http/request-view.js';
export { refusalAnswer, statusOf, headersOf, withHeaders } from './http/refusal.js';
export type { HttpAnswer } from './http/refusal.js';
export { assertCorsOptions, checkCors, checkPreflight, forbiddenOrigin, preflightAnswer } from './http/cors.js';
export type { CorsOptions, CorsCheck } from './http/cors.js';
export { DEFAULT_LIMIT_RETRY_MS, assertLimitRetry, limitRetryDelay, retryLaterBody } from './http/retry-later.js';
