import { createHub } from '@ssekit/core';
import { guardEventStreams, ssekit } from '@ssekit/fastify';
import Fastify from 'fastify';

const hub = createHub({ maxConnections: 19_000 });
const app = Fastify({
  // Fastify's own option, 0 by default, which turns Node's request deadline off.
  requestTimeout: 30_000,
  // Given to http.createServer: a request head within 10 s, checked every second.
  http: { headersTimeout: 10_000, connectionsCheckingInterval: 1000 },
});
await app.register(ssekit, { hub });
app.get('/events', { sse: true }, (request) => request.log.debug('stream open'));
// Fastify made its server already: guard it before it listens.
guardEventStreams(app.server);
await app.listen({ port: 3000 });
