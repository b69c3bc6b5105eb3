import Fastify from 'fastify';
import type { FastifyRequest } from 'fastify';
import { createHub } from '@ssekit/core';
import { ssekit } from '@ssekit/fastify';

declare function checkMembership(request: FastifyRequest, topics: readonly string[]): Promise<readonly string[]>;

const app = Fastify();
await app.register(ssekit, { hub: createHub() });
app.get<{ Params: { room: string } }>(
  '/rooms/:room',
  { sse: { topics: (request) => [`room:${request.params.room}`], authorize: checkMembership } },
  (request) => request.log.info('joined'),
);
