export { sse } from './middleware.js';
export type { KoaStreamHandler } from './middleware.js';
export type { KoaSseMiddleware, KoaSseOptions, KoaStreamOptions } from './options.js';
