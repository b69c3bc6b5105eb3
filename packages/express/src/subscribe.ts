import { assertCorsOptions, assertLimitRetry, isSsekitError } from '@ssekit/core';
import { handlePreflight, sendRetryLater, startStream, statusOf } from '@ssekit/node';
import type { SseHandlerOptions } from '@ssekit/node';
import type { Request, RequestHandler } from 'express';
import type { ExpressSseOptions } from './types.js';

/** The middleware of `sse({ hub, ...options })`; the options are checked here, once. */
export function subscribing<TEvents extends object>(options: ExpressSseOptions<TEvents>): RequestHandler {
  const { hub, cors, clientKey = ipOf, limitResponse, onError, ...rest } = options;
  if (cors !== undefined) assertCorsOptions(cors);
  if (rest.limitRetryMs !== undefined) assertLimitRetry(rest.limitRetryMs);
  // Express's req and res are node:http's, so the Express-typed hooks get exactly the objects
  // startStream passes them.
  const nodeOptions: SseHandlerOptions = {
    ...(rest as Omit<SseHandlerOptions, 'cors' | 'clientKey'>),
    cors,
    clientKey: (req) => clientKey(req as Request),
  };
  return (req, res, next) => {
    // Only `app.use` (or `app.all`, `app.options`) lets an OPTIONS request get here.
    if (cors !== undefined && req.method === 'OPTIONS') {
      handlePreflight(req, res, cors);
      return;
    }
    startStream(hub, req, res, nodeOptions)
      .then(
        (stream) => {
          res.sse = stream;
        },
        (err: unknown) => {
          if (isSsekitError(err, 'too_many_connections') && limitResponse !== 429 && !res.headersSent) {
            sendRetryLater(req, res, nodeOptions);
            return;
          }
          if (onError !== undefined && statusOf(err) >= 500) report(onError, err, req);
          next(err);
        },
      )
      // Only the retry answer can fail here (a peer gone mid-answer): Express ends the response.
      .catch(next);
  };
}

function ipOf(req: Request): string | undefined {
  return req.ip;
}

function report(onError: (err: unknown, req: Request) => void, err: unknown, req: Request): void {
  try {
    onError(err, req);
  } catch {
    // The error still goes to next(): a failing reporter must not swallow it.
  }
}
