import type { Hub } from '@ssekit/core';

/**
 * The `GET /stats` body. `dropped` counts, as the contract asks, both deliveries dropped and
 * streams evicted by the slow-client policy; the hub's separate counters follow it.
 * @param hub - the demo's hub.
 * @param extra - more gauges (hand-driven `/ticks` streams, for instance).
 */
export function statsBody(hub: Hub, extra: { tickStreams: number }): Record<string, unknown> {
  const stats = hub.stats();
  return {
    connections: stats.connections + extra.tickStreams,
    published: stats.published,
    delivered: stats.delivered,
    dropped: stats.dropped + stats.evicted,
    evicted: stats.evicted,
    droppedDeliveries: stats.dropped,
    replayed: stats.replayed,
    replayMisses: stats.replayMisses,
    queuedBytes: stats.queuedBytes,
    eventStreams: stats.connections,
    tickStreams: extra.tickStreams,
    topics: stats.topics,
  };
}
