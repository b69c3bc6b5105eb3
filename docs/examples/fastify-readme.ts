import Fastify from 'fastify';
import { createHub, isSsekitError, refusalAnswer } from '@ssekit/core';
import { ssekit } from '@ssekit/fastify';

const hub = createHub();
const app = Fastify({ logger: true });
await app.register(ssekit, { hub });
app.get('/events', { sse: true }, (request) => request.log.info('stream open')); // ?topic=news
app.post('/news', async (request, reply) => reply.code(202).send(await hub.publish('news', { data: request.body })));
app.setErrorHandler((err, request, reply) => {
  // The app's own errors go on to Fastify's default handling, which logs them.
  if (!isSsekitError(err)) throw err;
  request.log.info({ code: err.code }, 'stream refused');
  // Its status, its headers (CORS, Retry-After) and `{ error }`; a 5xx's message is hidden
  // unless it is one of ssekit's own, written to be shown (the hub closed, Redis unreachable).
  const answer = refusalAnswer(err);
  return reply.code(answer.status).headers(answer.headers).send(answer.body);
});
await app.listen({ port: 3000 });
