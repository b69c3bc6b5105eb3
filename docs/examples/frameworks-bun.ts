import { createHub } from '@ssekit/core';
import { sseHandler } from '@ssekit/web';

// Bun's own types (`@types/bun`) stay out of this Node workspace: the part of Bun used here.
interface BunServer {
  timeout(request: Request, seconds: number): void;
}
declare const Bun: {
  serve(options: {
    port: number;
    fetch: (request: Request, server: BunServer) => Response | Promise<Response>;
    error: (error: Error) => Response;
  }): BunServer;
};

const hub = createHub();
// Answers refusals itself, with their status and `{ "error" }`.
const events = sseHandler({ hub, headers: { connection: 'keep-alive' } });
Bun.serve({
  port: 3000,
  fetch(request, server) {
    if (new URL(request.url).pathname !== '/events') return new Response('not found', { status: 404 });
    server.timeout(request, 0); // no idle timeout for this stream (see below)
    return events(request);
  },
  error: (err) => {
    console.error(err);
    return new Response('internal error', { status: 500 });
  },
});
