import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import type { Hub } from '@ssekit/core';
import { sseHandler, sseResponse } from '@ssekit/web';
import { Hono } from 'hono';
import { compress } from 'hono/compress';
import { PAGE, listen } from './listen.js';
import type { MatrixOptions, MatrixServer, ServeSetup } from './types.js';

/** Serves the matrix's routes on Hono over `@hono/node-server`; see `Adapter.serve`. */
export async function serve(hub: Hub<object>, options: MatrixOptions, setup: ServeSetup): Promise<MatrixServer> {
  const events = sseHandler({ hub, ...options, ...setup.own });
  const app = new Hono();
  if (setup.compression === true) {
    app.use(compress());
    app.get('/page', (c) => c.text(PAGE));
  }
  app.on(['GET', 'HEAD', 'OPTIONS'], '/events', (c) => events(c.req.raw));
  const { ticks } = setup;
  if (ticks !== undefined) app.get('/ticks', (c) => sseResponse(c.req.raw, ticks.handler, ticks.options));
  // sseHandler answers refusals itself; nothing reaches Hono's error handler.
  return { ...(await listen(createAdaptorServer({ fetch: app.fetch }) as Server)), errors: [] };
}

/** `sseHandler(options)`, as a user makes it. */
export function make(options: Record<string, unknown>): void {
  sseHandler(options as never);
}
