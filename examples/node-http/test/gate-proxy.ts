import http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Hold {
  arrived: (headers: IncomingHttpHeaders) => void;
  released: Promise<void>;
  override: Record<string, string>;
}

/**
 * A pass-through HTTP proxy on 127.0.0.1 between the browser and a demo, for tests: it sees the
 * headers the browser really sent (a browser's own interception hides `Last-Event-ID`) and can
 * hold the next `/events` request, so a test knows the page is disconnected while it publishes.
 */
export class GateProxy {
  readonly #server: http.Server;
  readonly #upstreamPort: number;
  #hold: Hold | undefined;

  private constructor(upstreamPort: number) {
    this.#upstreamPort = upstreamPort;
    this.#server = http.createServer((req, res) => {
      const hold = this.#hold;
      if (hold !== undefined && req.url?.startsWith('/events') === true) {
        this.#hold = undefined;
        hold.arrived(req.headers);
        void hold.released.then(() => {
          this.#forward(req, res, hold.override);
        });
        return;
      }
      this.#forward(req, res, {});
    });
  }

  /** Starts a proxy to `127.0.0.1:upstreamPort` on a free port. */
  static async start(upstreamPort: number): Promise<GateProxy> {
    const proxy = new GateProxy(upstreamPort);
    await new Promise<void>((resolve) => proxy.#server.listen(0, '127.0.0.1', resolve));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  /**
   * Holds the next `/events` request until `release()`; `headers` resolves with what the browser
   * sent. `override` replaces request headers on the way to the demo.
   */
  holdNextEventsRequest(override: Record<string, string> = {}): {
    headers: Promise<IncomingHttpHeaders>;
    release: () => void;
  } {
    let arrived!: (headers: IncomingHttpHeaders) => void;
    const headers = new Promise<IncomingHttpHeaders>((resolve) => (arrived = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    this.#hold = { arrived, released, override };
    return { headers, release };
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #forward(req: http.IncomingMessage, res: http.ServerResponse, override: Record<string, string>): void {
    const upstream = http.request(
      {
        host: '127.0.0.1',
        port: this.#upstreamPort,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, ...override },
        agent: false,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        res.flushHeaders();
        res.socket?.setNoDelay(true);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  }
}
