import Router from '@koa/router';
import Koa from 'koa';
import { createHub } from '@ssekit/core';
import { sse } from '@ssekit/koa';

const hub = createHub();
const app = new Koa();
const router = new Router();
router.get('/events', sse({ hub }));
app.use(router.routes());
app.listen(3000);

setInterval(() => {
  void hub.publish('default', { event: 'time', data: { now: new Date().toISOString() } });
}, 1000);
