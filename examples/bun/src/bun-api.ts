/** The part of Bun's server this demo uses (see https://bun.com/docs/api/http). */
export interface BunServer {
  readonly port: number;
  /** Sets the idle timeout of one request's connection, in seconds; `0` turns it off. */
  timeout(request: Request, seconds: number): void;
  /** Stops listening; resolves once the requests in flight have finished. */
  stop(closeActiveConnections?: boolean): Promise<void>;
}

/** The options of `Bun.serve` this demo passes. */
export interface BunServeOptions {
  hostname: string;
  port: number;
  development: boolean;
  /** Seconds a connection may stay idle before Bun closes it; `0` never. */
  idleTimeout: number;
  fetch: (request: Request, server: BunServer) => Response | Promise<Response>;
}

/** Bun's global, typed for what the demo calls: its types stay out of the Node workspace. */
export const Bun = (globalThis as unknown as { Bun: { serve(options: BunServeOptions): BunServer } }).Bun;
