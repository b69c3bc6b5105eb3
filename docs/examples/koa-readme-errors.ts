import Koa from 'koa';
import { isSsekitError, refusalAnswer } from '@ssekit/core';

const app = new Koa();
app.use(async (ctx, next) => {
  try {
    await next();
  } catch (err) {
    // The app's own errors go on to Koa's handling, which logs them (app.on('error')).
    if (!isSsekitError(err)) throw err;
    // Its status, its headers (CORS, Retry-After) and `{ error }`; a 5xx's message is hidden
    // unless it is one of ssekit's own, written to be shown (the hub closed, Redis unreachable).
    const answer = refusalAnswer(err);
    ctx.status = answer.status;
    ctx.set(answer.headers);
    ctx.body = answer.body;
  }
});
