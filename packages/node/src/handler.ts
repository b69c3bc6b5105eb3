import { createAdmission, isStreamRequest, refusalAnswer } from '@ssekit/core';
import type { AdmissionOptions, Subscription } from '@ssekit/core';
import { writeAnswer } from './answer.js';
import type { NodeRequest } from './headers.js';
import type { NodeResponse } from './node-sink.js';
import { nodeView } from './request.js';
import { serveStream } from './serve.js';

/**
 * Options of {@link createSseHandler}: the options every ssekit adapter takes (see
 * `AdmissionOptions` in `@ssekit/core`); the hooks receive the Node request.
 */
export type SseHandlerOptions<TEvents extends object = Record<string, unknown>> = AdmissionOptions<
  TEvents,
  NodeRequest
>;

/**
 * A request handler for `http.createServer`, `http2.createServer` or
 * `http2.createSecureServer`, made by {@link createSseHandler}.
 */
export interface SseHandler<TEvents extends object = Record<string, unknown>> {
  /**
   * Answers the request: a `GET` becomes a stream; a refusal is answered with its status and
   * `{ "error": message }`; with `cors`, an `OPTIONS` gets the preflight answer; any other
   * method a `405`.
   */
  (req: NodeRequest, res: NodeResponse): void;
  /**
   * The same for a `GET` a router has matched, as a promise: of the subscription, or of
   * `undefined` when the request was answered (a preflight, the retry answer over a limit). A
   * refusal rejects, its `headers` set on `res`, for the router to answer (`sendError(res, err)`
   * answers as the handler does).
   */
  start(req: NodeRequest, res: NodeResponse): Promise<Subscription<TEvents> | undefined>;
}

/**
 * Makes a handler that subscribes requests to a hub. The options are checked now: a bad value
 * or an unknown key throws `SsekitError('invalid_option')`, before any request.
 *
 * @example
 * ```ts
 * const hub = createHub();
 * http.createServer(createSseHandler({ hub })).listen(3000);
 * ```
 * @throws SsekitError `invalid_option`.
 */
export function createSseHandler<TEvents extends object>(options: SseHandlerOptions<TEvents>): SseHandler<TEvents> {
  const admission = createAdmission(options, {
    factory: 'createSseHandler()',
    defaultClientKey: remoteAddress,
    defaultOnError: logFailure,
  });
  const cors = options.cors !== undefined;
  const start = (req: NodeRequest, res: NodeResponse): Promise<Subscription<TEvents> | undefined> =>
    serveStream(admission, req, req, res);
  // Returns void, not a promise: node:http ignores a listener's promise, and lint rules such as
  // `no-misused-promises` would flag `http.createServer(createSseHandler(...))` otherwise.
  const handler = (req: NodeRequest, res: NodeResponse): void => {
    if (!isStreamRequest(nodeView(req), { routed: true, cors })) {
      writeAnswer(req, res, {
        status: 405,
        headers: {
          allow: cors ? 'GET, HEAD, OPTIONS' : 'GET, HEAD',
          'content-type': 'application/json; charset=utf-8',
        },
        body: JSON.stringify({ error: 'ssekit: this URL serves an event stream; use GET.' }),
        stream: false,
      });
      return;
    }
    start(req, res)
      .catch((err: unknown) => {
        writeAnswer(req, res, refusalAnswer(err));
      })
      .catch((failure: unknown) => {
        // Answering failed too (the peer vanished mid-answer): never an unhandled rejection.
        logFailure(failure, req);
        (res as { destroy(): unknown }).destroy();
      });
  };
  return Object.assign(handler, { start });
}

/**
 * Answers a request whose stream could not start the way {@link createSseHandler} does: the
 * error's status, the headers it carries, and `{ "error": message }` (a 5xx's message hidden,
 * but for ssekit's own `closed` and `unavailable`).
 * A response that already started is only ended.
 * @param res - the response.
 * @param err - what `handler.start()` rejected with, or any error.
 */
export function sendError(res: NodeResponse, err: unknown): void {
  writeAnswer(res.req, res, refusalAnswer(err));
}

function remoteAddress(req: NodeRequest): string | undefined {
  // A request whose connection is already gone may have no socket left.
  return (req.socket as typeof req.socket | null)?.remoteAddress;
}

function logFailure(err: unknown, req: NodeRequest): void {
  // The URL goes in as a value, not spliced into the text: it may hold line breaks (log injection).
  console.error('ssekit: a stream request failed', { method: req.method, url: req.url }, err);
}
