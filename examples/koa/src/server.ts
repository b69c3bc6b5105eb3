import Router from '@koa/router';
import http from 'node:http';
import { parseLastEventId, refusalAnswer } from '@ssekit/core';
import type { SseStream } from '@ssekit/core';
import {
  announce,
  createDemoHub,
  exitOnSignals,
  hardenServer,
  logFailure,
  closeDemoHub,
  heapReport,
  metricsAnswer,
  parsePublishBody,
  publishBody,
  readDemoConfig,
  runTicks,
  statsBody,
  readPublishBody,
} from '@ssekit/demo-common';
import { sse } from '@ssekit/koa';
import Koa from 'koa';
import compress from 'koa-compress';

const config = readDemoConfig();
const hub = createDemoHub(config);
const tickStreams = new Set<SseStream>();

const app = new Koa();

// Koa reports socket errors of responses in flight; a client resetting its connection mid-stream
// is not a server fault (its stream is already gone), everything else is logged.
app.on('error', (err: Error & { headerSent?: boolean; code?: string }, ctx?: { method: string; url: string }) => {
  if (err.headerSent === true && err.code === 'ECONNRESET') return;
  logFailure(err, ctx === undefined ? 'koa' : `${ctx.method} ${ctx.url}`);
});

// Every refusal, before a stream starts or from /publish, is answered as JSON like the other demos.
app.use(async (ctx, next) => {
  try {
    await next();
  } catch (err) {
    if (ctx.headerSent || !ctx.writable) throw err;
    const answer = refusalAnswer(err);
    ctx.status = answer.status;
    ctx.set(answer.headers);
    ctx.body = answer.body;
    // Failures that are not the client's still reach the error listener above.
    if (answer.status >= 500) ctx.app.emit('error', err, ctx);
  }
});

// Compression for the whole app, as most Koa apps have it: JSON answers are compressed, event
// streams are not (sse() takes the response over before koa-compress could wrap it).
app.use(compress());

const router = new Router();

router.get('/events', sse({ hub }));

router.post('/publish', async (ctx) => {
  const body = parsePublishBody(await readPublishBody(ctx.req));
  const result = await publishBody(hub, body);
  ctx.status = 202;
  ctx.body = result;
});

router.get('/stats', (ctx) => {
  ctx.body = statsBody(hub, { tickStreams: tickStreams.size });
});

router.get('/metrics', async (ctx) => {
  const answer = await metricsAnswer();
  ctx.status = answer.status;
  ctx.type = answer.type;
  ctx.body = answer.body;
});

if (config.debugRoutes) {
  // Demo-only (SSEKIT_DEBUG_ROUTES=1), for the soak test: gc() and memory, resource counts.
  router.get('/debug/heap', async (ctx) => {
    ctx.body = await heapReport(server);
  });
}

router.get(
  '/ticks',
  async (ctx, next) => {
    // Checked before the stream starts, so a bad one is a plain 400.
    const header = ctx.get('last-event-id');
    const query = ctx.query.lastEventId;
    ctx.state.lastEventId = parseLastEventId(header !== '' ? header : typeof query === 'string' ? query : undefined);
    await next();
  },
  sse(
    (stream, ctx) => {
      tickStreams.add(stream);
      stream.signal.addEventListener('abort', () => tickStreams.delete(stream), { once: true });
      runTicks(stream, config.tickMs, ctx.state.lastEventId as string | undefined);
    },
    { retry: config.retryMs, heartbeatMs: config.heartbeatMs },
  ),
);

app.use(router.routes());

app.use((ctx) => {
  ctx.status = 404;
  ctx.body = { error: `no route for ${ctx.method} ${ctx.path}` };
});

// Koa's callback returns a promise node:http ignores; Koa handles its errors itself.
const callback = app.callback();
const server = hardenServer(
  http.createServer((req, res) => {
    void callback(req, res);
  }),
  config,
);
server.listen(config.port, config.host, () => {
  announce(server, config.host);
});

exitOnSignals(server, async () => {
  await Promise.all([closeDemoHub(hub, config), ...[...tickStreams].map((stream) => stream.close('shutdown'))]);
});
