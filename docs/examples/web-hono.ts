import { Hono } from 'hono';
import { createHub } from '@ssekit/core';
import { errorResponse, sseResponse } from '@ssekit/web';

const hub = createHub();
const app = new Hono();
app.get('/events', (c) => sseResponse(c.req.raw, { hub }));
app.onError((err) => errorResponse(err));
app.post('/publish', async (c) => c.json(await hub.publish('news', { data: await c.req.text() }), 202));
export default app;
