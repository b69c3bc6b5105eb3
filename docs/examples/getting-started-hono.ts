import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createHub, isSsekitError } from '@ssekit/core';
import { sseHandler } from '@ssekit/web';

const hub = createHub();
const app = new Hono();
const events = sseHandler({ hub });
app.get('/events', (c) => events(c.req.raw));
serve({ fetch: app.fetch, port: 3000 });

const timer = setInterval(() => {
  hub.publish('default', { event: 'time', data: { now: new Date().toISOString() } }).catch((err: unknown) => {
    // After hub.close() (shutdown) every publish rejects with `closed`; anything else is news.
    if (isSsekitError(err, 'closed')) clearInterval(timer);
    else console.error('publish failed', err);
  });
}, 1000);
