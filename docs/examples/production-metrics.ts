import http from 'node:http';
import { createHub } from '@ssekit/core';
import type { CloseReason } from '@ssekit/core';
import { createSseHandler } from '@ssekit/node';

// Why streams ended. `client` (a tab closed, a phone changed networks) is ordinary churn: graph
// it, never alert on it. Failures are what `errors` counts.
const disconnects = new Map<CloseReason, number>();

const hub = createHub({
  hooks: {
    disconnect: (_stream, reason) => {
      disconnects.set(reason, (disconnects.get(reason) ?? 0) + 1);
    },
    replayMiss: (_stream, reason, lastEventId) => {
      console.warn(`ssekit: could not replay after ${lastEventId} (${reason}); the client got ssekit-reset`);
    },
    error: (error, { where }) => {
      console.error(`ssekit: ${where} failed`, error);
    },
  },
});

// The Prometheus text format, read from hub.stats() when scraped.
function metrics(): string {
  const stats = hub.stats();
  const lines = [
    ['ssekit_connections', 'gauge', stats.connections],
    ['ssekit_queued_bytes', 'gauge', stats.queuedBytes],
    ['ssekit_published_total', 'counter', stats.published],
    ['ssekit_delivered_total', 'counter', stats.delivered],
    ['ssekit_dropped_total', 'counter', stats.dropped],
    ['ssekit_evicted_total', 'counter', stats.evicted],
    ['ssekit_replayed_total', 'counter', stats.replayed],
    ['ssekit_replay_misses_total', 'counter', stats.replayMisses],
    ['ssekit_rejected_total', 'counter', stats.rejected],
    ['ssekit_errors_total', 'counter', stats.errors],
  ] as const;
  const byReason = [...disconnects].map(([reason, n]) => `ssekit_disconnects_total{reason="${reason}"} ${n}\n`);
  return (
    lines.map(([name, type, value]) => `# TYPE ${name} ${type}\n${name} ${value}\n`).join('') +
    `# TYPE ssekit_disconnects_total counter\n${byReason.join('')}`
  );
}

const events = createSseHandler({ hub });
http
  .createServer((req, res) => {
    if (req.url === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metrics());
      return;
    }
    events(req, res);
  })
  .listen(3000);
