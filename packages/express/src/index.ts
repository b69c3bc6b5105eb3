export { guardEventStreams } from '@ssekit/node';
export { sse } from './sse.js';
export { ssePreflight } from './preflight.js';
export type { ExpressSseOptions, ExpressStreamOptions, SseStreamHandler } from './types.js';
