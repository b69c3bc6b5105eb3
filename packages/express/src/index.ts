export { sse } from './sse.js';
export type { ExpressSseOptions, ExpressStreamOptions, SseStreamHandler } from './types.js';
