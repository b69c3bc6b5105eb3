// What every comparator server shares: the routes of the demo contract that the benchmark drives
// (`GET /events`, `POST /publish` answering 202 `{ id, delivered }`, `GET /stats`), the same
// headers, ids and bytes on the wire as the ssekit demos (so the subscribers cannot tell them
// apart), and none of the checks.
import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The head of every stream, as `@ssekit/node` sends it on HTTP/1.1. */
export const STREAM_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
  connection: 'keep-alive',
};

/** The demos' `RETRY_MS` default: the retry hint every stream starts with. */
export const RETRY_MS = 3000;

/** The retry hint the demos send first. */
export const RETRY_HINT = Buffer.from(`retry: ${RETRY_MS}\n`);

/**
 * The heartbeat interval the demos would use (`HEARTBEAT_MS`, default 15000; the benchmark
 * starts every server with 0, off), for the libraries that keep a timer per stream.
 */
export function heartbeatMs(): number {
  const value = Number(process.env.HEARTBEAT_MS ?? 15_000);
  return Number.isSafeInteger(value) && value >= 0 ? value : 15_000;
}

// 16-digit ids counting up from the start time in µs, as the memory replay store assigns them,
// so every event has the same size on every server.
let lastId = Date.now() * 1000;

/** The next event id. */
export function nextId(): string {
  return String(++lastId);
}

/** The SSE frame of one published `data`: `id:` then `data:` (JSON text unless a string). */
export function frameOf(data: unknown): { id: string; frame: Buffer } {
  const id = nextId();
  const text = typeof data === 'string' ? data : JSON.stringify(data);
  return { id, frame: Buffer.from(`id: ${id}\ndata: ${text}\n\n`) };
}

/** The `data` of a publish body (`{ "data": ... }`); throws when there is none. */
export function dataOf(body: unknown): unknown {
  if (typeof body !== 'object' || body === null || !('data' in body)) throw new Error('bench: a publish needs data');
  return body.data;
}

/** Events published and deliveries made so far, for `GET /stats`. */
export class Counters {
  published = 0;
  delivered = 0;

  /** Counts one publish that reached `delivered` streams and returns the publish answer. */
  count(id: string, delivered: number): Published {
    this.published++;
    this.delivered += delivered;
    return { id, delivered };
  }

  /** The `GET /stats` body with `connections` open streams. */
  stats(connections: number): Record<string, number> {
    return { connections, published: this.published, delivered: this.delivered, dropped: 0 };
  }
}

/** What a comparator answers to a publish. */
export interface Published {
  id: string;
  delivered: number;
}

/** The port and host to listen on (`PORT`, `HOST`), as the demos read them. */
export function listenOptions(): { port: number; host: string } {
  return { port: Number(process.env.PORT ?? 0), host: process.env.HOST ?? '127.0.0.1' };
}

/** Prints the contract's `listening on` line for `port`. */
export function announce(port: number): void {
  process.stdout.write(`listening on http://127.0.0.1:${port}\n`);
}

/** The port a listening node:http server got. */
export function portOf(server: http.Server): number {
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}

/** Exits at once on SIGTERM/SIGINT: nothing to drain gracefully, and exiting writes a --cpu-prof profile. */
export function exitOnSignals(): void {
  const stop = (): void => process.exit(0);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
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

/** How a node:http comparator keeps its streams and sends one event to all of them. */
export interface Fanout {
  /** Takes over a `GET /events` request; nothing has been written yet. */
  add(req: IncomingMessage, res: ServerResponse): void;
  /** Sends one event to every stream; answers with its id and how many streams it reached. */
  publish(data: unknown): Published;
  /** Streams open now. */
  size(): number;
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
 * Serves the benchmark's routes on node:http with `fanout` holding the streams, prints the
 * contract's `listening on` line, and exits at once on SIGTERM/SIGINT.
 */
export function serveComparator(fanout: Fanout): void {
  const counters = new Counters();
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url?.startsWith('/events') === true) {
      fanout.add(req, res);
      return;
    }
    if (req.method === 'POST' && req.url === '/publish') {
      readBody(req)
        .then((body) => {
          const { id, delivered } = fanout.publish(dataOf(JSON.parse(body.toString('utf8'))));
          json(res, 202, counters.count(id, delivered));
        })
        .catch(() => json(res, 400, { error: 'bad body' }));
      return;
    }
    if (req.method === 'GET' && req.url === '/stats') {
      json(res, 200, counters.stats(fanout.size()));
      return;
    }
    json(res, 404, { error: 'not found' });
  });
  const { port, host } = listenOptions();
  server.listen(port, host, () => announce(portOf(server)));
  exitOnSignals();
}
