export { guardEventStreams } from '@ssekit/node';
export { sse } from './middleware.js';
export { ssePreflight } from './preflight.js';
export type { KoaSseMiddleware, KoaSseOptions, KoaStreamHandler, KoaStreamOptions } from './options.js';
