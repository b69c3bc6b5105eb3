import Fastify from 'fastify';
import { createHub } from '@ssekit/core';
import { ssekit } from '@ssekit/fastify';

const hub = createHub();
const app = Fastify();
await app.register(ssekit, { hub });
// On an `{ sse: true }` route the stream is open when the handler runs; the hub feeds it.
app.get('/events', { sse: true }, () => undefined);
await app.listen({ port: 3000 });

setInterval(() => {
  void hub.publish('default', { event: 'time', data: { now: new Date().toISOString() } });
}, 1000);
