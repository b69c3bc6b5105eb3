// What both hand-written comparator servers share: the same routes, headers, ids and bytes on the
// wire as the ssekit demos (so the subscribers cannot tell them apart), and none of the checks.
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The head of every stream, as `@ssekit/node` sends it on HTTP/1.1. */
export const STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
  connection: 'keep-alive',
};

/** The retry hint the demos send first (`RETRY_MS` defaults to 3000). */
export const RETRY_HINT = Buffer.from('retry: 3000\n\n');

// 16-digit ids counting up from the start time in µs, as the memory replay store assigns them,
// so every event has the same size on every server.
let lastId = Date.now() * 1000;

/** The SSE frame of one published `data`: `id:` then `data:` (JSON text unless a string). */
export function frameOf(data: unknown): { id: string; frame: Buffer } {
  const id = String(++lastId);
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  return { id, frame: Buffer.from(`id: ${id}\ndata: ${text}\n\n`) };
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** What a comparator answers to a publish. */
export interface Published {
  id: string;
  delivered: number;
}

/** How a comparator keeps its streams and sends one event to all of them. */
export interface Fanout {
  /** Takes over a `GET /events` request; nothing has been written yet. */
  add(req: IncomingMessage, res: ServerResponse): void;
  /** Sends one event to every stream. */
  publish(data: unknown): Published | Promise<Published>;
}

/**
 * Starts a stream the way `@ssekit/node` does on HTTP/1.1: the head and the retry hint, flushed
 * at once, and no Nagle delay.
 */
export function startPlainStream(req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, STREAM_HEADERS);
  res.write(RETRY_HINT);
  req.socket.setNoDelay(true);
}

/**
 * Serves `GET /events` and `POST /publish` on `127.0.0.1:$PORT`, prints the contract's
 * `listening on` line, and exits at once on SIGTERM/SIGINT.
 */
export function serveComparator(fanout: Fanout): void {
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url?.startsWith('/events') === true) {
      fanout.add(req, res);
      return;
    }
    if (req.method === 'POST' && req.url === '/publish') {
      readBody(req)
        .then((body) => fanout.publish((JSON.parse(body.toString('utf8')) as { data: unknown }).data))
        .then(
          (published) => json(res, 202, published),
          () => json(res, 400, { error: 'bad body' }),
        );
      return;
    }
    json(res, 404, { error: 'not found' });
  });
  server.listen(Number(process.env.PORT ?? 0), process.env.HOST ?? '127.0.0.1', () => {
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    process.stdout.write(`listening on http://127.0.0.1:${port}\n`);
  });
  // Nothing to drain gracefully here; exiting also writes a --cpu-prof profile.
  const stop = (): void => process.exit(0);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
