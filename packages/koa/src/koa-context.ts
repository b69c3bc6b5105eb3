import { SsekitError, isStreamRequest, refusalAnswer, statusOf } from '@ssekit/core';
import { nodeView, writeAnswer } from '@ssekit/node';
import type { ExtendableContext } from 'koa';

/** True when `sse()` streams this request; see `KoaPathOption.path`. */
export function streamsHere(ctx: ExtendableContext, path: string | undefined, cors: boolean): boolean {
  // @koa/router records the route it matched; a route needs no path and no Accept.
  const routed = (ctx as { _matchedRoute?: unknown })._matchedRoute !== undefined;
  return isStreamRequest(nodeView(ctx.req), { path, routed, cors });
}

/** Contexts `sse()` is working on, each with whether Koa came to answer meanwhile. */
const holding = new WeakMap<object, { answered: boolean }>();
/** Where a context keeps a `respond` other than `false` once released (rare: not a stream). */
const RESPOND_VALUE = Symbol('ssekit.koa.respond');
type Released = Record<typeof RESPOND_VALUE, unknown>;

// One getter and one setter for every context, and nothing kept for a context that became a
// stream: contexts that share an accessor pair share a hidden class, where per-request
// functions (or putting a data property back afterwards) would make each context a dictionary,
// about 1.2 KiB more per idle stream.
const RESPOND: PropertyDescriptor = {
  configurable: true,
  enumerable: true,
  get(this: Partial<Released>): unknown {
    const hold = holding.get(this);
    if (hold === undefined) return RESPOND_VALUE in this ? this[RESPOND_VALUE] : false;
    hold.answered = true;
    return false;
  },
  set(this: Released, value: unknown): void {
    if (!holding.has(this)) this[RESPOND_VALUE] = value;
  },
};

/**
 * Steps Koa out for the time `sse()` works on the request (`ctx.respond` reads `false`), and
 * notices whether Koa came to answer meanwhile: it does when a middleware before `sse()` called
 * `next()` without `await` or `return`, so the chain ended before the stream started.
 * @returns a function telling whether that happened, and giving `ctx.respond` its value back.
 */
export function holdKoa(ctx: ExtendableContext): { release(respond: boolean): boolean } {
  const hold = { answered: false };
  holding.set(ctx, hold);
  Object.defineProperty(ctx, 'respond', RESPOND);
  return {
    release(respond) {
      holding.delete(ctx);
      if (!respond) return hold.answered;
      (ctx as unknown as Released)[RESPOND_VALUE] = respond;
      return hold.answered;
    },
  };
}

/** The message for a chain that returned before the stream started. */
export function chainReturnedEarly(): SsekitError {
  return new SsekitError(
    'headers_sent',
    'ssekit: the Koa middleware chain finished before sse() did: a middleware before it calls next() without `await` or `return`. Write `await next()` (or `return next()`).',
  );
}

/**
 * Readies a refusal for Koa's error handling: Koa answers with its `status` and shows its
 * message only when `expose` is true (4xx are the client's to read, 5xx stay private); its
 * handler also replaces the headers set so far with `err.headers`, which the admission filled.
 */
export function forKoa(err: unknown): unknown {
  if (err instanceof SsekitError && !('expose' in err)) Object.assign(err, { expose: err.status < 500 });
  return err;
}

/**
 * A refusal nobody awaits any more (the chain returned early): answered here, and the misuse
 * reported on the app's `'error'` event, so nothing is left hanging or unhandled.
 */
export function answerLate(ctx: ExtendableContext, err: unknown): void {
  if (!ctx.res.headersSent && !ctx.res.writableEnded) writeAnswer(ctx.req, ctx.res, refusalAnswer(err));
  if (statusOf(err) >= 500) ctx.app.emit('error', err, ctx);
  ctx.app.emit('error', chainReturnedEarly(), ctx);
}
