import type { Hub } from '@ssekit/core';
import { createHubMetrics } from '@ssekit/metrics';
import type { HubMetrics } from '@ssekit/metrics';
import { Registry } from 'prom-client';

/** One answer of `GET /metrics`. */
export interface MetricsAnswer {
  status: 200;
  /** The `Content-Type` header: the Prometheus text format. */
  type: string;
  body: string;
}

// One set per process: a demo serves one hub, and `createDemoHub` binds it.
const metrics: HubMetrics = createHubMetrics({ registry: new Registry() });
let bound = false;

/** The hooks `createDemoHub` gives its hub, feeding the latency histogram. @internal */
export const demoMetricsHooks = metrics.hooks;

/** Reads `hub`'s counters at every scrape; only the first hub of the process counts. @internal */
export function bindDemoMetrics(hub: Hub): void {
  if (bound) return;
  bound = true;
  metrics.register(hub);
}

/**
 * The `GET /metrics` answer of every demo: the hub's Prometheus metrics from `@ssekit/metrics`
 * (connections per topic, published, delivered, dropped, evicted, replayed, replay misses,
 * rejected, errors, queued bytes, publish latency), in the text exposition format.
 *
 * @example
 * ```ts
 * const answer = await metricsAnswer();
 * res.writeHead(answer.status, { 'content-type': answer.type }).end(answer.body);
 * ```
 */
export async function metricsAnswer(): Promise<MetricsAnswer> {
  return { status: 200, type: metrics.registry.contentType, body: await metrics.registry.metrics() };
}
