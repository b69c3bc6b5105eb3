import http from 'node:http';
import { createHub } from '@ssekit/core';
import { createHubMetrics } from '@ssekit/metrics';
import { createSseHandler } from '@ssekit/node';

const metrics = createHubMetrics(); // prom-client's global registry
const hub = createHub({ hooks: metrics.hooks }); // or combineHooks(metrics.hooks, yourHooks)
metrics.register(hub);
const events = createSseHandler({ hub });
http
  .createServer((req, res) => {
    if (req.url === '/metrics') {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': metrics.registry.contentType }).end(text),
        (err: unknown) => {
          console.error('metrics failed', err);
          res.writeHead(500).end();
        },
      );
    } else events(req, res);
  })
  .listen(3000);
