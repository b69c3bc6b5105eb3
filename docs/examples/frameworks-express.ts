import compression from 'compression';
import express from 'express';
import type { ErrorRequestHandler } from 'express';
import { createHub } from '@ssekit/core';
import type { SsekitError } from '@ssekit/core';
import { sse } from '@ssekit/express';

const hub = createHub();
const app = express();
app.use(compression()); // for the whole app; event streams pass through it untouched
app.get('/events', sse({ hub })); // or app.use('/events', ...), or router.get('/events', ...)
app.get(
  '/ticks',
  sse((stream) => {
    let n = 0;
    const timer = setInterval(() => stream.send({ id: String(n), data: `tick ${n++}` }), 1000);
    stream.signal.addEventListener('abort', () => clearInterval(timer));
  }),
);
const onError: ErrorRequestHandler = (err: SsekitError, _req, res, _next) => {
  res.status(err.status).json({ error: err.message }); // 400, 403, 503... before the stream starts
};
app.use(onError);
app.listen(3000);
