import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the proxy passed on, and how it was answered. */
export interface SeenRequest {
  method: string;
  url: string;
  lastEventId: string | undefined;
  /** The status the server answered; 0 until it did. */
  status: number;
  /** When it arrived, `performance.now()`. */
  at: number;
}

/**
 * A pass-through HTTP proxy on 127.0.0.1 in front of a demo, for browser tests: it records every
 * request the browser makes (`Last-Event-ID` included, which the browser's own request
 * interception would hide) and the status it got, so a test counts what really reached the
 * server.
 */
export class CountingProxy {
  readonly seen: SeenRequest[] = [];
  readonly #server: http.Server;

  private constructor(upstreamPort: number) {
    this.#server = http.createServer((req, res) => {
      const header = req.headers['last-event-id'];
      const seen: SeenRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        lastEventId: Array.isArray(header) ? header[0] : header,
        status: 0,
        at: performance.now(),
      };
      this.seen.push(seen);
      const upstream = http.request(
        {
          host: '127.0.0.1',
          port: upstreamPort,
          method: req.method,
          path: req.url,
          headers: req.headers,
          agent: false,
        },
        (answer) => {
          seen.status = answer.statusCode ?? 0;
          res.writeHead(seen.status, answer.headers);
          res.flushHeaders();
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.destroy());
      res.on('close', () => upstream.destroy());
      req.pipe(upstream);
    });
  }

  /** Starts a proxy to `127.0.0.1:upstreamPort` on a free port. */
  static async start(upstreamPort: number): Promise<CountingProxy> {
    const proxy = new CountingProxy(upstreamPort);
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /** The requests whose path (without the query) is `path`, in order. */
  requestsFor(path: string): SeenRequest[] {
    return this.seen.filter((request) => request.url.split('?')[0] === path);
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
