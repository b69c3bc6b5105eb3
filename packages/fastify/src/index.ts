export { ssekit, ssekit as default } from './plugin.js';
export type { SseReplyMethod } from './augment.js';
export type { SsekitPluginOptions, SseRouteOptions, SseStreamOptions, SseDrive } from './options.js';
