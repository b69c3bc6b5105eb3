import Router from '@koa/router';
import { createHub } from '@ssekit/core';
import { sse, ssePreflight } from '@ssekit/koa';

const hub = createHub();
const router = new Router();
const cors = { origins: ['https://app.example.com'], credentials: true };
router.get('/events', sse({ hub, cors }));
router.options('/events', ssePreflight(cors)); // the router hands OPTIONS only to OPTIONS routes
