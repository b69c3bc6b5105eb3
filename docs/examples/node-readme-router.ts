import http from 'node:http';
import { createHub, isSsekitError } from '@ssekit/core';
import { createSseHandler, requestUrl, sendError } from '@ssekit/node';

const hub = createHub();
const events = createSseHandler({ hub, topics: (req) => [`room:${requestUrl(req).pathname.slice(7)}`] });

http
  .createServer((req, res) => {
    if (req.method !== 'GET' || !requestUrl(req).pathname.startsWith('/rooms/')) {
      res.writeHead(404).end();
      return;
    }
    events.start(req, res).catch((err: unknown) => {
      // The app's own errors are logged; every refusal gets its status and { "error" }, a 5xx
      // with its message hidden.
      if (!isSsekitError(err)) console.error('events failed', err);
      sendError(res, err);
    });
  })
  .listen(3000);
