import Router from '@koa/router';
import Koa from 'koa';
import compress from 'koa-compress';
import { createHub } from '@ssekit/core';
import { sse } from '@ssekit/koa';

const hub = createHub();
const app = new Koa();
const router = new Router();
app.use(compress()); // koa-compress for the whole app; event streams pass through it untouched
app.use(sse({ hub, path: '/events' })); // or router.get('/events', sse({ hub }))
router.get(
  '/ticks',
  sse((stream) => {
    let n = 0;
    const timer = setInterval(() => stream.send({ id: String(n), data: `tick ${n++}` }), 1000);
    stream.signal.addEventListener('abort', () => clearInterval(timer));
  }),
);
app.use(router.routes());
app.listen(3000);
