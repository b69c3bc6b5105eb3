import Fastify from 'fastify';
import { createHub } from '@ssekit/core';
import { ssekit } from '@ssekit/fastify';

const hub = createHub();
const app = Fastify({ logger: true });
await app.register(ssekit, { hub }); // before the routes that use it
app.get('/events', { sse: true }, (request) => request.log.info('stream open')); // ?topic=...
app.get('/ticks', (request, reply) =>
  reply.sse((stream, lastEventId) => {
    let n = lastEventId === undefined ? 0 : Number(lastEventId) + 1;
    const timer = setInterval(() => stream.send({ id: String(n), data: `tick ${n++}` }), 1000);
    stream.signal.addEventListener('abort', () => clearInterval(timer), { once: true });
  }),
);
await app.listen({ port: 3000 });
