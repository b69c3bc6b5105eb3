import { createHub } from '@ssekit/core';
import { sseHandler } from '@ssekit/web';

// Deno's own types stay out of this Node workspace: the part of Deno used here.
declare const Deno: {
  serve(
    options: { port: number; onError: (error: unknown) => Response },
    handler: (request: Request) => Response | Promise<Response>,
  ): unknown;
};

const hub = createHub();
// Answers refusals itself, with their status and `{ "error" }`.
const events = sseHandler({ hub });
const onError = (error: unknown): Response => {
  console.error(error);
  return new Response('internal error', { status: 500 });
};
Deno.serve({ port: 3000, onError }, (request) =>
  new URL(request.url).pathname === '/events' ? events(request) : new Response(null, { status: 404 }),
);
