export { createHubMetrics, collectHubMetrics } from './hub-metrics.js';
export type { HubMetrics, HubMetricsOptions, MetricsRegistry, StatsSource } from './hub-metrics.js';
export { combineHooks } from './combine-hooks.js';
