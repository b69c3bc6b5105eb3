import Fastify from 'fastify';
import { createHub } from '@ssekit/core';
import { ssePreflight, ssekit } from '@ssekit/fastify';

const hub = createHub();
const app = Fastify();
const cors = { origins: ['https://app.example.com'], credentials: true };
await app.register(ssekit, { hub, cors });
app.get('/events', { sse: true }, (request) => request.log.info('open')); // + OPTIONS /events
app.get('/feed', (request, reply) => reply.sse({ topics: ['feed'] }));
app.options('/feed', ssePreflight(cors)); // routes that call reply.sse() add their own
