export { ssekit, ssekit as default } from './plugin.js';
export { ssePreflight } from './preflight.js';
export type { SseReplyMethod } from './augment.js';
export type { SsekitPluginOptions, SseRouteOptions, SseStreamOptions, SseDrive } from './options.js';
