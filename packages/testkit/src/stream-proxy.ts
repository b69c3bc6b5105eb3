import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a {@link StreamProxy} forwarded, as it saw it. */
export interface ProxiedRequest {
  method: string;
  /** The path and query the client asked for. */
  url: string;
  /** The client's request headers, lower-case names. */
  headers: http.IncomingHttpHeaders;
  /** When it arrived (`Date.now()`). */
  at: number;
  /** The server's status, once its answer began. */
  status: number | undefined;
  /** When its answer ended, cleanly or not (`Date.now()`); `undefined` while it flows. */
  endedAt: number | undefined;
}

/**
 * How {@link StreamProxy.drop} ends the answers in flight, as a server or a network would:
 * - `'end'`: a clean end (the last chunk), at once.
 * - `'split'`: half of the next chunk of events the server sends (an event cut in two), then a
 *   clean end.
 * - `'reset'`: the client's socket is destroyed, at once: a broken stream.
 */
export type DropMode = 'end' | 'split' | 'reset';

/** An HTTP proxy on 127.0.0.1 in front of one server, which can end, break or stall its answers. */
export interface StreamProxy {
  /** e.g. `http://127.0.0.1:43123`, to put in front of the server's paths. */
  url: string;
  /** Every request, in arrival order. */
  requests: ProxiedRequest[];
  /** How many answers are flowing now: the server answered, and the answer has not ended. */
  readonly open: number;
  /**
   * Ends every answer flowing now the way `mode` says (a request the server has not answered yet
   * is left alone); later requests flow as usual.
   */
  drop(mode: DropMode): void;
  /** Stops forwarding the server's bytes on every answer flowing now (the client hears nothing more). */
  stall(): void;
  /** Closes the proxy and every connection through it. */
  close(): Promise<void>;
}

// Hop-by-hop headers belong to one connection, not to the request or answer forwarded.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
]);

function endToEnd(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !HOP_BY_HOP.has(name)));
}

const COLON = 0x3a;

interface Flow {
  seen: ProxiedRequest;
  res: http.ServerResponse;
  upstream: http.ClientRequest;
  answer: http.IncomingMessage | undefined;
  /** Set by `drop('split')`: what to do with the next chunk. */
  splitNext: boolean;
}

/** A file a {@link StreamProxy} serves itself instead of forwarding (a test page and its script). */
export interface ProxyPage {
  /** Its `content-type`. */
  type: string;
  body: string | Uint8Array;
}

/**
 * Starts a proxy to `target` (e.g. a demo's URL) over real sockets: each request goes to the
 * server on a connection of its own, and the server's bytes come back chunk by chunk as they
 * arrive, so the test can cut a stream where a real network or server would.
 * @param target - the server's origin, `http://127.0.0.1:PORT`.
 * @param pages - paths the proxy answers itself (not recorded in `requests`), so a browser page
 *   served from the proxy reaches the server from the same origin.
 */
export async function startStreamProxy(
  target: string,
  pages: Readonly<Record<string, ProxyPage>> = {},
): Promise<StreamProxy> {
  const requests: ProxiedRequest[] = [];
  const flows = new Set<Flow>();

  const flowing = (): Flow[] => [...flows].filter((flow) => flow.answer !== undefined);
  const finish = (flow: Flow): void => {
    if (!flows.delete(flow)) return;
    flow.seen.endedAt = Date.now();
    flow.upstream.destroy();
  };

  const server = http.createServer((req, res) => {
    const page = Object.hasOwn(pages, req.url ?? '') ? pages[req.url ?? ''] : undefined;
    if (page !== undefined) {
      res.writeHead(200, { 'content-type': page.type }).end(page.body);
      return;
    }
    const seen: ProxiedRequest = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      headers: req.headers,
      at: Date.now(),
      status: undefined,
      endedAt: undefined,
    };
    requests.push(seen);
    const upstream = http.request(new URL(seen.url, target), {
      method: seen.method,
      headers: { ...endToEnd(req.headers), host: new URL(target).host },
      agent: false,
    });
    const flow: Flow = { seen, res, upstream, answer: undefined, splitNext: false };
    flows.add(flow);
    res.on('close', () => finish(flow));
    // After `finish` the flow is the test's: the upstream's own end or error no longer matters.
    upstream.on('error', () => {
      if (!flows.has(flow)) return;
      if (res.headersSent || res.destroyed) res.destroy();
      else res.writeHead(502).end();
      finish(flow);
    });
    upstream.on('response', (answer) => {
      flow.answer = answer;
      seen.status = answer.statusCode ?? 0;
      res.writeHead(seen.status, endToEnd(answer.headers));
      res.flushHeaders();
      answer.on('data', (chunk: Buffer) => {
        if (!flows.has(flow)) return;
        // A comment (a heartbeat) goes through whole: the split falls on an event.
        if (!flow.splitNext || chunk[0] === COLON) {
          res.write(chunk);
          return;
        }
        res.end(chunk.subarray(0, Math.max(1, Math.floor(chunk.length / 2))));
        finish(flow);
      });
      answer.on('end', () => {
        if (!flows.has(flow)) return;
        res.end();
        finish(flow);
      });
      answer.on('error', () => {
        if (!flows.has(flow)) return;
        res.destroy();
        finish(flow);
      });
    });
    req.pipe(upstream);
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    get open() {
      return flowing().length;
    },
    drop(mode) {
      for (const flow of flowing()) {
        if (mode === 'split') {
          flow.splitNext = true;
        } else if (mode === 'end') {
          flow.res.end();
          finish(flow);
        } else {
          flow.res.socket?.destroy();
          finish(flow);
        }
      }
    },
    stall() {
      for (const flow of flowing()) {
        // Whatever the server sends from now on stays in its socket.
        flow.answer?.removeAllListeners('data');
        flow.answer?.pause();
      }
    },
    async close() {
      for (const flow of [...flows]) finish(flow);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
