import { SsekitError, assertOpenStreamOptions } from '@ssekit/core';
import type { SseStream } from '@ssekit/core';
import { openStream } from '@ssekit/node';
import type { RequestHandler } from 'express';
import type { ExpressStreamOptions, SseStreamHandler } from './types.js';

/** The middleware of `sse(handler, options)`: a stream without a hub, driven by `handler`. */
export function handDriven<TEvents extends object>(
  handler: SseStreamHandler<TEvents>,
  options: ExpressStreamOptions,
): RequestHandler {
  assertOpenStreamOptions(options, 'sse(handler, options)', ['headers', 'onError']);
  const { onError = logError, ...streamOptions } = options;
  return (req, res, next) => {
    if (res.headersSent) {
      next(
        new SsekitError('headers_sent', 'ssekit: the response already started; mount sse() before anything writes.'),
      );
      return;
    }
    let stream: SseStream<TEvents>;
    try {
      stream = openStream<TEvents>(req, res, streamOptions);
    } catch (err) {
      next(err);
      return;
    }
    res.sse = stream as SseStream<object>;
    // The transport is fine, the application failed: 'server' lets already queued events out.
    const fail = (err: unknown): void => {
      void stream.close('server');
      try {
        onError(err, req);
      } catch {
        // The stream is ended either way.
      }
    };
    try {
      const result = handler(stream, req, res);
      if (result instanceof Promise) result.catch(fail);
    } catch (err) {
      fail(err);
    }
  };
}

function logError(err: unknown): void {
  console.error('ssekit: a hand-driven stream handler failed after the stream started; the stream was ended.', err);
}
