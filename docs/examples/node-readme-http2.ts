import http2 from 'node:http2';
import { createHub } from '@ssekit/core';
import { createSseHandler } from '@ssekit/node';

declare const key: Buffer;
declare const cert: Buffer;
const hub = createHub();
http2.createSecureServer({ key, cert, noDelay: true }, createSseHandler({ hub })).listen(443);
