import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { createHub, isSsekitError, refusalAnswer } from '@ssekit/core';
import { sse } from '@ssekit/express';

const hub = createHub();
const app = express();
app.get('/events', sse({ hub })); // GET /events?topic=news (repeatable; `default` without)
app.post('/news', express.json(), async (req, res) => {
  res.status(202).json(await hub.publish('news', { event: 'headline', data: req.body as unknown }));
});
app.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
  // The app's own errors (and any once a response started) go on to Express, which logs them.
  if (!isSsekitError(err) || res.headersSent) {
    next(err);
    return;
  }
  // Its status, its headers (CORS, Retry-After) and `{ error }`; a 5xx's message is hidden
  // unless it is one of ssekit's own, written to be shown (the hub closed, Redis unreachable).
  const answer = refusalAnswer(err);
  res.status(answer.status).set(answer.headers).send(answer.body);
});
app.listen(3000);
