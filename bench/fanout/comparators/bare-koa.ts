// Koa with @koa/router holding idle event streams without ssekit: `ctx.respond = false` (Koa's
// documented way to write the raw response, and what @ssekit/koa does), the head and the retry
// hint on `ctx.res`, and each event written to every response. The weight of its idle streams is
// what @ssekit/koa is measured over. Like the demo, the app compresses its other answers: the
// middleware's `Vary` header makes node:http keep a header store for every response, streams
// included, and that weight is the app's, not ssekit's.
import type { ServerResponse } from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import compress from 'koa-compress';
import {
  Counters,
  RETRY_HINT,
  STREAM_HEADERS,
  announce,
  dataOf,
  exitOnSignals,
  frameOf,
  listenOptions,
} from './common.js';

const streams = new Set<ServerResponse>();
const counters = new Counters();
const app = new Koa();
const router = new Router();

/** The request body as JSON (1 MiB at most): Koa leaves body parsing to middleware. */
async function jsonBody(ctx: Koa.Context): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > 1024 * 1024) ctx.throw(413, 'body too large');
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

router.get('/events', (ctx) => {
  ctx.respond = false;
  const res = ctx.res;
  res.writeHead(200, STREAM_HEADERS);
  res.write(RETRY_HINT);
  ctx.req.socket.setNoDelay(true);
  streams.add(res);
  res.on('close', () => streams.delete(res));
});

router.post('/publish', async (ctx) => {
  const { id, frame } = frameOf(dataOf(await jsonBody(ctx)));
  for (const stream of streams) stream.write(frame);
  ctx.status = 202;
  ctx.body = counters.count(id, streams.size);
});

router.get('/stats', (ctx) => {
  ctx.body = counters.stats(streams.size);
});

app.use(compress());
app.use(router.routes());
const { port, host } = listenOptions();
const server = app.listen(port, host, () => {
  const address = server.address();
  announce(typeof address === 'object' && address !== null ? address.port : 0);
});
exitOnSignals();
