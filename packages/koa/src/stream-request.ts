import type { ExtendableContext } from 'koa';

/** True when `path` is not given or is exactly the request's. */
export function onPath(ctx: ExtendableContext, path: string | undefined): boolean {
  return path === undefined || ctx.path === path;
}

/** True for a request `sse()` turns into a stream: a `GET` on its `path`. */
export function isStreamRequest(ctx: ExtendableContext, path: string | undefined): boolean {
  return ctx.method === 'GET' && onPath(ctx, path);
}
