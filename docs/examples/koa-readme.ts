import Router from '@koa/router';
import { createHub } from '@ssekit/core';
import { sse } from '@ssekit/koa';
import Koa from 'koa';

const hub = createHub();
const app = new Koa();
const router = new Router();
router.get('/events', sse({ hub })); // GET /events?topic=news (repeatable)
app.use(router.routes()).listen(3000);
await hub.publish('news', { event: 'headline', data: { title: 'hello' } });
