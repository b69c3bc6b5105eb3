import { SsekitError } from '@ssekit/core';
import type { NodeResponse } from '@ssekit/node';

// Set on the response before a refusal (by the CORS check and the connection limit), and needed
// on the answer: the page must be allowed to read it, and a 429 says when to come back.
const KEPT_HEADERS = ['retry-after', 'vary', 'access-control-allow-origin', 'access-control-allow-credentials'];

/**
 * Readies an error that stops a request for Koa's error handling. Koa answers with its `status`
 * and shows its message only when `expose` is true (http-errors' convention: 4xx are the client's
 * to read, 5xx stay private). Its default handler also removes every header set so far and sets
 * `err.headers` instead, so the ones the answer needs are copied there (the error's own win).
 * @param err - what `startStream` or `openStream` threw.
 * @param res - the response, for the headers already set on it.
 */
export function forKoa(err: unknown, res: NodeResponse): unknown {
  if (err instanceof SsekitError && !('expose' in err)) Object.assign(err, { expose: err.status < 500 });
  if (typeof err !== 'object' || err === null || !Object.isExtensible(err)) return err;
  const headers: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = res.getHeader(name);
    if (typeof value === 'string') headers[name] = value;
  }
  if (Object.keys(headers).length === 0) return err;
  const own = (err as { headers?: unknown }).headers;
  Object.assign(err, { headers: { ...headers, ...(typeof own === 'object' && own !== null ? own : {}) } });
  return err;
}
