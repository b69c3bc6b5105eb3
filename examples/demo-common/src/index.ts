export { readDemoConfig } from './config.js';
export type { DemoConfig } from './config.js';
export { parsePublishBody, MAX_PUBLISH_BYTES } from './publish.js';
export type { PublishBody } from './publish.js';
export { statsBody } from './stats.js';
export { runTicks } from './ticks.js';
export { exitOnSignals, announce } from './shutdown.js';
export { createDemoHub } from './hub.js';
