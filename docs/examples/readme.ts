import http from 'node:http';
import { createHub } from '@ssekit/core';
import { createSseHandler } from '@ssekit/node';

const hub = createHub<{ price: { symbol: string; value: number } }>();
http.createServer(createSseHandler({ hub })).listen(3000);
await hub.publish('default', { event: 'price', data: { symbol: 'ACME', value: 42 } });
