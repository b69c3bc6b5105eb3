import http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Hub } from '@ssekit/core';
import { createSseHandler, openStream } from '@ssekit/node';
import compression from 'compression';
import { ALREADY_STARTED, PAGE, listen } from './listen.js';
import type { MatrixOptions, MatrixServer, ServeSetup } from './types.js';

type Middleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/** Serves the matrix's routes on a plain `node:http` server; see `Adapter.serve`. */
export async function serve(hub: Hub<object>, options: MatrixOptions, setup: ServeSetup): Promise<MatrixServer> {
  const events = createSseHandler({ hub, ...options, ...setup.own });
  const compress = setup.compression === true ? (compression() as unknown as Middleware) : undefined;
  const route = (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (path === '/events') {
      if (setup.prelude === 'write') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write(ALREADY_STARTED);
      }
      events(req, res);
    } else if (path === '/ticks' && setup.ticks !== undefined) {
      setup.ticks.handler(openStream(req, res, setup.ticks.options));
    } else if (path === '/page' && compress !== undefined) {
      res.writeHead(200, { 'content-type': 'text/plain' }).end(PAGE);
    } else {
      res.writeHead(404).end();
    }
  };
  const server = http.createServer((req, res) => {
    if (compress === undefined) route(req, res);
    else compress(req, res, () => route(req, res));
  });
  // createSseHandler answers refusals itself; nothing reaches a framework.
  return { ...(await listen(server)), errors: [] };
}

/** `createSseHandler(options)`, as a user makes it. */
export function make(options: Record<string, unknown>): void {
  createSseHandler(options as never);
}
