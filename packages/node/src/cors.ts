import { checkCors, checkPreflight, forbiddenOrigin } from '@ssekit/core';
import type { CorsOptions } from '@ssekit/core';
import type { NodeRequest } from './headers.js';
import type { NodeResponse } from './node-sink.js';

// The policy itself is runtime-neutral and lives in core, shared with @ssekit/web.
export type { CorsOptions } from '@ssekit/core';

/** The request's `Origin` header, if it has one. */
function originOf(req: NodeRequest): string | undefined {
  const origin = req.headers.origin;
  return typeof origin === 'string' && origin !== '' ? origin : undefined;
}

/**
 * Applies the CORS policy to a request before its stream starts: a request from an origin not
 * allowed throws `forbidden` (403); an allowed one gets its `Access-Control-*` headers set on
 * `res`, so they go out with the stream or with any refusal that follows. A request without
 * `Origin` (same-origin, or not from a browser) gets no such header.
 * @param req - the request.
 * @param res - its response, not started yet.
 * @param cors - the options.
 * @throws SsekitError `forbidden` for an origin not allowed.
 */
export function applyCors(req: NodeRequest, res: NodeResponse, cors: CorsOptions): void {
  const { allowed, headers } = checkCors(cors, originOf(req));
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  if (!allowed) throw forbiddenOrigin();
}

/**
 * Answers a CORS preflight (`OPTIONS`): `204` with the allowed origin, method `GET`, the
 * allowed request headers and `Access-Control-Max-Age`, or `403` with `{ "error" }` for an
 * origin not allowed. `createSseHandler` calls it for every `OPTIONS` request when `cors` is set;
 * routers that mount `startStream` themselves route `OPTIONS` here.
 * @param req - the `OPTIONS` request.
 * @param res - its response.
 * @param cors - the same options as the stream's.
 */
export function handlePreflight(req: NodeRequest, res: NodeResponse, cors: CorsOptions): void {
  const { allowed, headers } = checkPreflight(cors, originOf(req));
  if (!allowed) {
    const body = JSON.stringify({ error: forbiddenOrigin().message });
    res.writeHead(403, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
      ...headers,
    });
    res.end(body);
    return;
  }
  res.writeHead(204, { ...headers, 'content-length': '0' });
  res.end();
}
