import type { CorsOptions } from './cors.js';
import type { NodeRequest } from './headers.js';
import type { TopicResolver } from './request.js';

/** Options of `startStream` and `createSseHandler`. */
export interface SseHandlerOptions {
  /**
   * Resolves a request to its topics; may throw an `SsekitError` (or any error with a
   * `status`) to refuse it before any byte is sent.
   * @default every `?topic=` parameter, or `['default']`
   */
  topics?: TopicResolver;
  /**
   * Checks the request and its topics before the stream starts (and so before any history is
   * replayed): returns the topics it may receive, or throws (`SsekitError('forbidden')` answers
   * 403). The stream gets the requested topics that are in the returned list: a returned topic
   * the client did not ask for is ignored, so returning everything a user may read is safe.
   * None left answers 403.
   * @default allows every topic
   */
  authorize?: (req: NodeRequest, topics: readonly string[]) => readonly string[] | Promise<readonly string[]>;
  /** The `retry:` hint, ms (a non-negative integer). @default the hub's */
  retry?: number;
  /** More response headers. */
  headers?: Record<string, string>;
  /**
   * Lets pages on other origins read the streams; see {@link CorsOptions}. A request from an
   * origin not allowed is answered 403 before the stream.
   * @default off: no `Access-Control-*` header
   */
  cors?: CorsOptions;
  /**
   * Who the client is, for the hub's `maxConnectionsPerClient`. Behind a reverse proxy every
   * client has the proxy's address: read the forwarded address (from a proxy you trust) or a
   * user id instead. `undefined` exempts the request from the per-client limit.
   * @default the remote address, `req.socket.remoteAddress`
   */
  clientKey?: (req: NodeRequest) => string | undefined;
  /**
   * How a request over the hub's connection limits is answered.
   * - `'retry'`: `200` with the stream headers, a `retry:` hint of `limitRetryMs` (plus up to
   *   half as much again, at random) and an immediate end. `EventSource` treats that as a
   *   stream that ended and reconnects after the hint, where a `429` would make it give up.
   * - `429`: `429` with `Retry-After` and `{ "error" }`, for clients that read statuses.
   * The hub counts both in `stats().rejected`.
   * @default 'retry'
   */
  limitResponse?: 'retry' | 429;
  /** The base of the `retry:` hint (and `Retry-After`) for requests over a limit, ms. @default 30000 */
  limitRetryMs?: number;
  /**
   * Told about every failure answered with a 5xx (a throwing `authorize` or resolver, a backend
   * down): the client only sees `ssekit: internal error`. Refusals (4xx) are not reported.
   * @default logs with `console.error`
   */
  onError?: (err: unknown, req: NodeRequest) => void;
}
