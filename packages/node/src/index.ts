// Hub streams: a ready handler, and the building block every Node framework adapter uses.
export { createSseHandler, sendError } from './handler.js';
export type { SseHandler, SseHandlerOptions } from './handler.js';
export { serveStream } from './serve.js';
export { writeAnswer } from './answer.js';
export { guardEventStreams } from './guard.js';

// Hand-driven streams.
export { openStream } from './open-stream.js';
export type { OpenStreamOptions } from './open-stream.js';

// The transport pieces, for adapters.
export { sseHeaders } from './headers.js';
export type { NodeRequest } from './headers.js';
export { nodeSink, bindNodeResponse, setNoDelay } from './node-sink.js';
export type { NodeResponse } from './node-sink.js';
export { nodeView, lastEventIdOf, requestUrl } from './request.js';
