/** The address a Deno server listens on. */
export interface DenoAddr {
  hostname: string;
  port: number;
}

/** The part of a Deno server this demo uses (see https://docs.deno.com/api/deno/~/Deno.serve). */
export interface DenoServer {
  /** Stops listening; resolves once the requests in flight have finished. */
  shutdown(): Promise<void>;
}

/** The options of `Deno.serve` this demo passes. */
export interface DenoServeOptions {
  hostname: string;
  port: number;
  onListen: (addr: DenoAddr) => void;
  onError: (error: unknown) => Response | Promise<Response>;
}

/** Deno's global, typed for what the demo calls: its types stay out of the Node workspace. */
export const Deno = (
  globalThis as unknown as {
    Deno: { serve(options: DenoServeOptions, handler: (request: Request) => Response | Promise<Response>): DenoServer };
  }
).Deno;
