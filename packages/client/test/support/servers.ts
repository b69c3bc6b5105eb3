import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHub } from '@ssekit/core';
import type { EventMap, Hub, HubOptions, Subscription as HubStream } from '@ssekit/core';
import { createSseHandler, sendError } from '@ssekit/node';

/** One request as a test server saw it. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** When it arrived (Date.now()). */
  at: number;
  /** Resolves when its socket closes. */
  closed: Promise<void>;
  res: http.ServerResponse;
}

/** A node:http server on 127.0.0.1, port 0, that records every request. */
export interface TestServer {
  url: string;
  requests: SeenRequest[];
  close(): Promise<void>;
}

/** How a test server answers request number `n` (0-based), once its body was read. */
export type Answer = (req: SeenRequest, n: number) => void;

const cleanups: (() => Promise<void>)[] = [];

/** Closes every server started since the last call; for `afterEach`. */
export async function closeServers(): Promise<void> {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
}

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

/** Starts a server whose `answer` handles each request after its body was read whole. */
export async function serve(answer: Answer): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  const server = http.createServer((req, res) => {
    const closed = new Promise<void>((resolve) => res.on('close', resolve));
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const seen: SeenRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        at: Date.now(),
        closed,
        res,
      };
      requests.push(seen);
      answer(seen, requests.length - 1);
    });
  });
  const url = await listen(server);
  const close = async (): Promise<void> => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  cleanups.push(close);
  return { url, requests, close };
}

/** Writes the stream headers and `text` (flushed at once); the response stays open. */
export function openSse(res: http.ServerResponse, text = ''): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
  res.flushHeaders();
  if (text !== '') res.write(text);
}

/** A hub behind `@ssekit/node`'s `startStream`, with every open stream kept for the test to end. */
export interface HubServer<TEvents extends EventMap> {
  url: string;
  hub: Hub<TEvents>;
  streams: HubStream<TEvents>[];
  requests: { headers: http.IncomingHttpHeaders; url: string; res: http.ServerResponse }[];
}

/** Starts a real hub on a real server; the hub and the server close in `closeServers`. */
export async function serveHub<TEvents extends EventMap>(options: HubOptions): Promise<HubServer<TEvents>> {
  const hub = createHub<TEvents>(options);
  const events = createSseHandler({ hub });
  const streams: HubStream<TEvents>[] = [];
  const requests: HubServer<TEvents>['requests'] = [];
  const server = http.createServer((req, res) => {
    requests.push({ headers: req.headers, url: req.url ?? '', res });
    events.start(req, res).then(
      (stream) => {
        if (stream !== undefined) streams.push(stream);
      },
      (err: unknown) => {
        sendError(res, err);
      },
    );
  });
  const url = await listen(server);
  cleanups.push(async () => {
    await hub.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url, hub, streams, requests };
}

/** Polls `check` every 10 ms until it holds; throws naming `what` after `timeoutMs`. */
export async function until(check: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
