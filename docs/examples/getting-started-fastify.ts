import Fastify from 'fastify';
import { createHub, isSsekitError } from '@ssekit/core';
import { ssekit } from '@ssekit/fastify';

const hub = createHub();
const app = Fastify();
await app.register(ssekit, { hub });
// On an `{ sse: true }` route the stream is open when the handler runs; the hub feeds it.
app.get('/events', { sse: true }, () => undefined);
await app.listen({ port: 3000 });

const timer = setInterval(() => {
  hub.publish('default', { event: 'time', data: { now: new Date().toISOString() } }).catch((err: unknown) => {
    // After hub.close() (shutdown) every publish rejects with `closed`; anything else is news.
    if (isSsekitError(err, 'closed')) clearInterval(timer);
    else console.error('publish failed', err);
  });
}, 1000);
