// Fastify holding idle event streams without ssekit: the reply is hijacked (Fastify's documented
// way to take over the raw response, and what @ssekit/fastify does), the head and the retry hint
// go out on the raw response, and each event is written to every one. The weight of its idle
// streams is what @ssekit/fastify is measured over.
import type { ServerResponse } from 'node:http';
import Fastify from 'fastify';
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
const app = Fastify({ bodyLimit: 1024 * 1024 });

app.get('/events', (request, reply) => {
  reply.hijack();
  reply.raw.writeHead(200, STREAM_HEADERS);
  reply.raw.write(RETRY_HINT);
  request.raw.socket.setNoDelay(true);
  const raw = reply.raw;
  streams.add(raw);
  raw.on('close', () => streams.delete(raw));
});

app.post('/publish', (request, reply) => {
  const { id, frame } = frameOf(dataOf(request.body));
  for (const stream of streams) stream.write(frame);
  return reply.code(202).send(counters.count(id, streams.size));
});

app.get('/stats', () => counters.stats(streams.size));

const { port, host } = listenOptions();
app.listen({ port, host }).then(
  () => {
    const address = app.server.address();
    announce(typeof address === 'object' && address !== null ? address.port : 0);
  },
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
exitOnSignals();
