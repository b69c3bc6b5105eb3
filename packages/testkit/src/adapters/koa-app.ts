import http from 'node:http';
import Router from '@koa/router';
import { refusalAnswer } from '@ssekit/core';
import type { Hub } from '@ssekit/core';
import { sse, ssePreflight } from '@ssekit/koa';
import Koa3 from 'koa';
import type { Middleware } from 'koa';
import Koa2 from 'koa2';
import compress from 'koa-compress';
import { ALREADY_STARTED, PAGE, listen } from './listen.js';
import type { MatrixOptions, MatrixServer, Prelude, ServeSetup } from './types.js';

const preludes: Record<Prelude, Middleware> = {
  write: async (ctx, next) => {
    ctx.res.writeHead(200, { 'content-type': 'text/plain' });
    ctx.res.write(ALREADY_STARTED);
    await next();
  },
  unawaited: (_ctx, next) => {
    // The mistake: neither awaited nor returned, so Koa answers as soon as this returns.
    void next();
    return Promise.resolve();
  },
};

/** Serves the matrix's routes on Koa `major`; see `Adapter.serve`. */
export async function serve(
  major: 2 | 3,
  hub: Hub<object>,
  options: MatrixOptions,
  setup: ServeSetup,
): Promise<MatrixServer> {
  const Koa = major === 3 ? Koa3 : Koa2;
  const app = new Koa();
  const errors: unknown[] = [];
  // The error middleware the docs show: a refusal as its status, headers and `{ error }`.
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      // Koa reports what can no longer be answered on 'error', recorded below.
      if (ctx.headerSent || !ctx.writable) throw err;
      errors.push(err);
      const answer = refusalAnswer(err);
      ctx.status = answer.status;
      ctx.set(answer.headers);
      ctx.body = answer.body;
    }
  });
  app.on('error', (err: unknown) => errors.push(err));
  if (setup.compression === true) app.use(compress());
  const router = new Router();
  if (setup.compression === true) {
    router.get('/page', (ctx) => {
      ctx.type = 'text/plain';
      ctx.body = PAGE;
    });
  }
  if (setup.ticks !== undefined) router.get('/ticks', sse(setup.ticks.handler, setup.ticks.options));
  const handler = sse({ hub, ...options, ...setup.own } as never);
  const before = setup.prelude === undefined ? [] : [preludes[setup.prelude]];
  if (setup.mount === 'app') {
    app.use(router.routes());
    for (const middleware of before) app.use(middleware);
    app.use(handler);
    app.use((ctx) => {
      if (ctx.path === '/health') {
        ctx.body = { ok: true };
        return;
      }
      ctx.status = 404;
      ctx.body = `next: ${ctx.method} ${ctx.path}`;
    });
  } else {
    router.get('/events', ...before, handler);
    // A router hands OPTIONS only to routes declared for it: the docs mount the preflight.
    if (options.cors !== undefined) router.options('/events', ssePreflight(options.cors));
    app.use(router.routes());
  }
  const callback = app.callback();
  const server = http.createServer((req, res) => {
    void callback(req, res);
  });
  return { ...(await listen(server)), emitter: app, errors };
}

/** `sse(options)`, as a user makes it. */
export function make(options: Record<string, unknown>): void {
  sse(options as never);
}

/** Makes a hand-driven `sse(handler, options)`, without serving: throws what that throws. */
export function makeHandDriven(options: Record<string, unknown>): void {
  sse(() => undefined, options as never);
}
