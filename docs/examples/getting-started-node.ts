import http from 'node:http';
import { createHub, isSsekitError } from '@ssekit/core';
import { createSseHandler } from '@ssekit/node';

const hub = createHub();
const events = createSseHandler({ hub });

http
  .createServer((req, res) => {
    if (req.method === 'GET' && req.url?.split('?')[0] === '/events') {
      events(req, res);
      return;
    }
    res.writeHead(404).end();
  })
  .listen(3000);

// Publish from anywhere in the app: every stream on the topic gets it.
const timer = setInterval(() => {
  hub.publish('default', { event: 'time', data: { now: new Date().toISOString() } }).catch((err: unknown) => {
    // After hub.close() (shutdown) every publish rejects with `closed`; anything else is news.
    if (isSsekitError(err, 'closed')) clearInterval(timer);
    else console.error('publish failed', err);
  });
}, 1000);
