import Koa from 'koa';
import { createHub } from '@ssekit/core';
import { sse } from '@ssekit/koa';

const hub = createHub();
const app = new Koa();
app.use(sse({ hub, path: '/events' }));
app.listen(3000);

setInterval(() => {
  void hub.publish('default', { event: 'time', data: { now: new Date().toISOString() } });
}, 1000);
