import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';

/** A Fetch handler served over node:http on 127.0.0.1. */
export interface FetchServer {
  url: string;
  close(): Promise<void>;
}

const servers: FetchServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

function toRequest(req: http.IncomingMessage, base: string, signal: AbortSignal): Request {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value);
    else if (Array.isArray(value)) for (const item of value) headers.append(name, item);
  }
  return new Request(new URL(req.url ?? '/', base), { method: req.method, headers, signal });
}

/** Writes a Fetch `Response` to `res`, reading its body only as fast as the socket drains. */
async function send(response: Response, res: http.ServerResponse, head: boolean): Promise<void> {
  res.writeHead(response.status, Object.fromEntries(response.headers));
  if (response.body === null || head) {
    res.end();
    return;
  }
  const reader = response.body.getReader();
  // The client leaving cancels the body, as Fetch runtimes do.
  res.on('close', () => {
    if (!res.writableFinished) void reader.cancel();
  });
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (!res.write(value)) await new Promise((resolve) => res.once('drain', resolve));
  }
  res.end();
}

/**
 * Serves `handler` on 127.0.0.1:0 with a minimal Fetch bridge (what `@hono/node-server` and other
 * hosts do): a `Request` whose signal aborts when the client leaves early, a `Response` streamed
 * back under backpressure, its body cancelled when the client goes. Closed after the test.
 */
export async function serveFetch(handler: (request: Request) => Response | Promise<Response>): Promise<FetchServer> {
  let base = '';
  const server = http.createServer((req, res) => {
    const aborted = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) aborted.abort();
    });
    Promise.resolve()
      .then(() => handler(toRequest(req, base, aborted.signal)))
      .then((response) => send(response, res, req.method === 'HEAD'))
      .catch(() => {
        res.destroy();
      });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const served: FetchServer = {
    url: base,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(served);
  return served;
}
