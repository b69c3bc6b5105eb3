// Hono on @hono/node-server holding idle event streams without ssekit, the Web way a Hono app
// streams: the route answers a Response whose body is a ReadableStream, and each event is
// enqueued on every stream's controller. The weight of its idle streams is what @ssekit/web on
// the same server is measured over.
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
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

const controllers = new Set<ReadableStreamDefaultController<Uint8Array>>();
const counters = new Counters();
const app = new Hono();

app.get('/events', (c) => {
  let own: ReadableStreamDefaultController<Uint8Array> | undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      own = controller;
      controllers.add(controller);
      controller.enqueue(RETRY_HINT);
    },
    cancel() {
      if (own !== undefined) controllers.delete(own);
    },
  });
  return c.body(body, 200, STREAM_HEADERS);
});

app.post('/publish', async (c) => {
  const { id, frame } = frameOf(dataOf(await c.req.json()));
  for (const controller of controllers) controller.enqueue(frame);
  return c.json(counters.count(id, controllers.size), 202);
});

app.get('/stats', (c) => c.json(counters.stats(controllers.size)));

const { port, host } = listenOptions();
serve({ fetch: app.fetch, port, hostname: host }, (info) => announce(info.port));
exitOnSignals();
