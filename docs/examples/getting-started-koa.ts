import Koa from 'koa';
import { createHub, isSsekitError } from '@ssekit/core';
import { sse } from '@ssekit/koa';

const hub = createHub();
const app = new Koa();
app.use(sse({ hub, path: '/events' }));
app.listen(3000);

const timer = setInterval(() => {
  hub.publish('default', { event: 'time', data: { now: new Date().toISOString() } }).catch((err: unknown) => {
    // After hub.close() (shutdown) every publish rejects with `closed`; anything else is news.
    if (isSsekitError(err, 'closed')) clearInterval(timer);
    else console.error('publish failed', err);
  });
}, 1000);
