import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createHub } from '@ssekit/core';
import { errorResponse, sseResponse } from '@ssekit/web';

const hub = createHub();
const app = new Hono();
app.get('/events', (c) => sseResponse(c.req.raw, { hub }));
app.onError((err) => errorResponse(err));
serve({ fetch: app.fetch, port: 3000 });

setInterval(() => {
  void hub.publish('default', { event: 'time', data: { now: new Date().toISOString() } });
}, 1000);
