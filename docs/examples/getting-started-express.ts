import express from 'express';
import { createHub, isSsekitError } from '@ssekit/core';
import { sse } from '@ssekit/express';

const hub = createHub();
const app = express();
app.get('/events', sse({ hub }));
app.listen(3000);

const timer = setInterval(() => {
  hub.publish('default', { event: 'time', data: { now: new Date().toISOString() } }).catch((err: unknown) => {
    // After hub.close() (shutdown) every publish rejects with `closed`; anything else is news.
    if (isSsekitError(err, 'closed')) clearInterval(timer);
    else console.error('publish failed', err);
  });
}, 1000);
