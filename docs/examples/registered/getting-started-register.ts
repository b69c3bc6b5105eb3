import express from 'express';
import { createHub } from '@ssekit/core';
import { sse } from '@ssekit/express';

export const hub = createHub<{ time: { now: string }; note: string }>();

// Once per app: from here on `res.sse` (Express), `ctx.sse` (Koa) and `reply.sse()` (Fastify)
// carry this hub's events, and a misspelled name or a wrong payload fails to compile.
declare module '@ssekit/core' {
  interface Register {
    hub: typeof hub;
  }
}

const app = express();
app.get('/events', sse({ hub }), (_req, res) => {
  res.sse?.send({ event: 'note', data: 'welcome' });
});
