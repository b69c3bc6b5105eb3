import express from 'express';
import { createHub } from '@ssekit/core';
import { sse } from '@ssekit/express';

const hub = createHub();
const app = express();
app.use(sse({ hub })); // streams GET requests that accept text/event-stream; the rest go on
app.get('/health', (_req, res) => {
  res.json({ ok: true }); // untouched: a browser or a probe does not ask for an event stream
});
app.listen(3000);
