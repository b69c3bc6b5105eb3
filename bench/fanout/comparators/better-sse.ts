// better-sse, as its guide broadcasts: a session per request, registered on one channel, and
// `channel.broadcast` for every publish (better-sse serialises and writes the event for each
// session). Retry hint and keep-alive set as the demos set them.
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createChannel, createSession } from 'better-sse';
import {
  Counters,
  RETRY_MS,
  announce,
  dataOf,
  exitOnSignals,
  heartbeatMs,
  listenOptions,
  nextId,
  portOf,
} from './common.js';

const channel = createChannel();
const counters = new Counters();
const keepAlive = heartbeatMs();

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method === 'GET' && req.url?.startsWith('/events') === true) {
    const session = await createSession(req, res, { retry: RETRY_MS, keepAlive: keepAlive === 0 ? null : keepAlive });
    channel.register(session);
    return;
  }
  if (req.method === 'POST' && req.url === '/publish') {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const data = dataOf(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    const id = nextId();
    channel.broadcast(data, 'message', { eventId: id });
    json(res, 202, counters.count(id, channel.sessionCount));
    return;
  }
  if (req.method === 'GET' && req.url === '/stats') {
    json(res, 200, counters.stats(channel.sessionCount));
    return;
  }
  json(res, 404, { error: 'not found' });
}

const server = http.createServer((req, res) => {
  route(req, res).catch(() => {
    if (!res.headersSent) json(res, 400, { error: 'bad request' });
  });
});
const { port, host } = listenOptions();
server.listen(port, host, () => announce(portOf(server)));
exitOnSignals();
