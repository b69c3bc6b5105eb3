import http from 'node:http';
import { createHub } from '@ssekit/core';
import { createSseHandler } from '@ssekit/node';

const hub = createHub();
http.createServer(createSseHandler({ hub })).listen(3000); // GET /?topic=news (repeatable)
await hub.publish('news', { event: 'headline', data: { title: 'hello' } });
