import Fastify from 'fastify';
import { createHub } from '@ssekit/core';
import { ssekit } from '@ssekit/fastify';

const app = Fastify();
await app.register(ssekit, { hub: createHub() });

app.get('/feed', async (request, reply) => {
  await reply.sse({ topics: ['feed'] }); // a hub subscription, from any handler
});

app.get('/ticks', (request, reply) =>
  reply.sse<{ tick: { n: number } }>((stream, lastEventId) => {
    let n = lastEventId === undefined ? 0 : Number(lastEventId) + 1;
    const timer = setInterval(() => stream.send({ event: 'tick', id: String(n), data: { n: n++ } }), 1000);
    stream.signal.addEventListener('abort', () => clearInterval(timer), { once: true });
  }),
);
