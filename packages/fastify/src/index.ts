export { guardEventStreams } from '@ssekit/node';
export { ssekit, ssekit as default } from './plugin.js';
export { ssePreflight } from './preflight.js';
export type { SseReplyMethod } from './augment.js';
export type { SsekitPluginOptions, SseRouteOptions, SseStreamOptions, SseStreamHandler } from './options.js';
