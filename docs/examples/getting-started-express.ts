import express from 'express';
import { createHub } from '@ssekit/core';
import { sse } from '@ssekit/express';

const hub = createHub();
const app = express();
app.get('/events', sse({ hub }));
app.listen(3000);

setInterval(() => {
  void hub.publish('default', { event: 'time', data: { now: new Date().toISOString() } });
}, 1000);
