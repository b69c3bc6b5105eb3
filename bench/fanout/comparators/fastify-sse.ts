// Fastify with @fastify/sse, as its guide keeps streams open for out-of-band events: an
// `{ sse: true }` route calls `reply.sse.keepAlive()`, the reply's SSE context goes into a set,
// and every publish loops over the set with `reply.sse.send({ id, data })` (the plugin serialises
// and writes the event for each reply). Retry hint and heartbeat set as the demos set them.
import fastifySse from '@fastify/sse';
import type { SSEPluginOptions, SSEReplyInterface } from '@fastify/sse';
import Fastify from 'fastify';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { Counters, RETRY_MS, announce, dataOf, exitOnSignals, heartbeatMs, listenOptions, nextId } from './common.js';

// Both @fastify/sse and @ssekit/fastify (type-checked in the same project) declare
// `reply.sse`; this process registers only @fastify/sse, so its types are the ones that hold.
// Its default export is the plugin at run time, but its types describe the module there.
const plugin = fastifySse as unknown as FastifyPluginAsync<SSEPluginOptions>;
const sseOf = (reply: FastifyReply): SSEReplyInterface => reply.sse as unknown as SSEReplyInterface;

const streams = new Set<SSEReplyInterface>();
const counters = new Counters();
const app = Fastify({ bodyLimit: 1024 * 1024 });

async function main(): Promise<void> {
  await app.register(plugin, { heartbeatInterval: heartbeatMs() });

  app.get('/events', { sse: true }, async (request, reply) => {
    const sse = sseOf(reply);
    request.raw.socket.setNoDelay(true);
    sse.keepAlive();
    sse.onClose(() => streams.delete(sse));
    streams.add(sse);
    // The plugin sends nothing without data (and holds the head until the first send): its guide
    // opens with a first message, here carrying the retry hint the demos send.
    await sse.send({ data: 'connected', retry: RETRY_MS });
  });

  app.post('/publish', (request, reply) => {
    const data = dataOf(request.body);
    const id = nextId();
    for (const sse of streams) {
      // A closed stream leaves the set through onClose; a failed send is its own business.
      sse.send({ id, data }).catch(() => undefined);
    }
    return reply.code(202).send(counters.count(id, streams.size));
  });

  app.get('/stats', () => counters.stats(streams.size));

  const { port, host } = listenOptions();
  await app.listen({ port, host });
  const address = app.server.address();
  announce(typeof address === 'object' && address !== null ? address.port : 0);
}

exitOnSignals();
main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
