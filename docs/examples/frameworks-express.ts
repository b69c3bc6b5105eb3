import compression from 'compression';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { createHub, isSsekitError, refusalAnswer } from '@ssekit/core';
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
app.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
  // The app's own errors, and any error once a response started: Express's handling, which
  // logs them and answers 500 (or their `status`).
  if (!isSsekitError(err) || res.headersSent) {
    next(err);
    return;
  }
  // A refusal, before the stream started: 400, 401, 403, 429, 503...
  // Its status, its headers (CORS, Retry-After) and `{ error }`; a 5xx's message is hidden
  // unless it is one of ssekit's own, written to be shown (the hub closed, Redis unreachable).
  const answer = refusalAnswer(err);
  res.status(answer.status).set(answer.headers).send(answer.body);
});
app.listen(3000);
