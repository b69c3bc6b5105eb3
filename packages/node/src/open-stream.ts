import { SsekitError, assertOpenStreamOptions, openStream as openSinkStream } from '@ssekit/core';
import type { OpenStreamOptions as SinkStreamOptions, SseStream } from '@ssekit/core';
import { markStreaming } from './guard.js';
import { sseHeaders } from './headers.js';
import type { NodeRequest } from './headers.js';
import { bindNodeResponse, flushHeaders, nodeSink, setNoDelay, unbindingSink } from './node-sink.js';
import type { NodeResponse } from './node-sink.js';

/** Options of {@link openStream}. */
export interface OpenStreamOptions extends SinkStreamOptions {
  /** More response headers (CORS, for instance). */
  headers?: Record<string, string>;
}

/**
 * Opens one hand-driven event stream on a response, without a hub: writes the headers (and
 * the `retry:` hint, when given) at once, and returns a stream to `send()` on. The stream's
 * `signal` aborts when the client leaves, a write fails, the backlog passes its budget or
 * `close()` is called: stop producing then.
 *
 * @example
 * ```ts
 * http.createServer((req, res) => {
 *   const stream = openStream(req, res);
 *   let n = 0;
 *   const timer = setInterval(() => stream.send({ id: String(n), data: `tick ${n++}` }), 1000);
 *   stream.signal.addEventListener('abort', () => clearInterval(timer));
 * });
 * ```
 *
 * @param req - the request.
 * @param res - its response, not started yet.
 * @param options - retry hint, heartbeat, budget, extra headers.
 * @throws SsekitError `headers_sent` when the response already started, `invalid_option` for a
 * bad option; nothing is written then.
 */
export function openStream<TEvents extends object = Record<string, unknown>>(
  req: NodeRequest,
  res: NodeResponse,
  options: OpenStreamOptions = {},
): SseStream<TEvents> {
  assertOpenStreamOptions(options, 'openStream()', ['headers']);
  if (res.headersSent) {
    throw new SsekitError(
      'headers_sent',
      'ssekit: the response already started; open the stream before anything writes.',
    );
  }
  const { headers, ...streamOptions } = options;
  res.writeHead(200, sseHeaders(req, headers));
  setNoDelay(req);
  if (!('stream' in req)) markStreaming(req.socket);
  const sink = unbindingSink(nodeSink(res));
  const stream = openSinkStream<TEvents>(sink, streamOptions);
  const unbind = bindNodeResponse(req, res, stream);
  // The sink's end removes the listeners; a stream that ended already did before they existed.
  if (stream.closed) unbind();
  else sink.unbind = unbind;
  flushHeaders(res);
  return stream;
}
