import http from 'node:http';
import { refusalAnswer } from '@ssekit/core';
import type { Hub } from '@ssekit/core';
import { sse, ssePreflight } from '@ssekit/express';
import { writeAnswer } from '@ssekit/node';
import compression from 'compression';
import express5 from 'express';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import express4 from 'express4';
import { ALREADY_STARTED, PAGE, listen } from './listen.js';
import type { MatrixOptions, MatrixServer, ServeSetup } from './types.js';

const writeFirst: RequestHandler = (_req, res, next) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.write(ALREADY_STARTED);
  next();
};

/** Serves the matrix's routes on Express `major`; see `Adapter.serve`. */
export async function serve(
  major: 4 | 5,
  hub: Hub<object>,
  options: MatrixOptions,
  setup: ServeSetup,
): Promise<MatrixServer> {
  const express = major === 5 ? express5 : express4;
  const app = express();
  app.disable('x-powered-by');
  const errors: unknown[] = [];
  if (setup.compression === true) {
    app.use(compression());
    app.get('/page', (_req, res) => {
      res.type('text/plain').send(PAGE);
    });
  }
  if (setup.ticks !== undefined) app.get('/ticks', sse(setup.ticks.handler, setup.ticks.options));
  const before = setup.prelude === 'write' ? [writeFirst] : [];
  const handler = sse({ hub, ...options, ...setup.own } as never);
  if (setup.mount === 'app') {
    app.use(...before, handler);
    app.get('/health', (_req, res) => {
      res.json({ ok: true });
    });
    app.use((req, res) => {
      res.status(404).type('text/plain').send(`next: ${req.method} ${req.path}`);
    });
  } else {
    app.get('/events', ...before, handler);
    // A GET route never sees OPTIONS: the docs mount the preflight beside it.
    if (options.cors !== undefined) app.options('/events', ssePreflight(options.cors));
  }
  // The error handler the docs show: a refusal as its status, headers and `{ error }`.
  app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    errors.push(err);
    if (res.headersSent) {
      next(err);
      return;
    }
    writeAnswer(req, res, refusalAnswer(err));
  });
  return { ...(await listen(http.createServer(app))), emitter: app, errors };
}

/** `sse(options)`, as a user makes it. */
export function make(options: Record<string, unknown>): void {
  sse(options as never);
}

/** Makes a hand-driven `sse(handler, options)`, without serving: throws what that throws. */
export function makeHandDriven(options: Record<string, unknown>): void {
  sse(() => undefined, options as never);
}
