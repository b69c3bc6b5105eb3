import { createAdmission, isStreamRequest } from '@ssekit/core';
import { nodeView, serveStream } from '@ssekit/node';
import type { Request, RequestHandler } from 'express';
import { assertPath } from './path.js';
import type { ExpressSseOptions } from './types.js';

/** The middleware of `sse({ hub, ...options })`; the options are checked here, once. */
export function subscribing<TEvents extends object>(options: ExpressSseOptions<TEvents>): RequestHandler {
  const admission = createAdmission(options, { factory: 'sse()', ownKeys: ['path'], defaultClientKey: ipOf });
  const { path } = options;
  assertPath(path);
  const cors = options.cors !== undefined;
  return (req, res, next) => {
    // A route matched already; so did a mount path, when the request is for the mount itself.
    const routed = req.route !== undefined || (req.baseUrl !== '' && req.path === '/');
    if (!isStreamRequest(nodeView(req), { path, routed, cors })) {
      next();
      return;
    }
    serveStream(admission, req, req, res).then((stream) => {
      if (stream !== undefined) res.sse = stream;
    }, next);
  };
}

function ipOf(req: Request): string | undefined {
  return req.ip;
}
