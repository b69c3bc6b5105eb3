import type { Hub } from '../hub/hub-types.js';
import type { CorsOptions } from './cors.js';

/**
 * How a request becomes a hub subscription: the options every adapter takes, with the same
 * names, meanings and defaults (`sse({ hub, ... })` in Express and Koa, the Fastify plugin and
 * its routes, `createSseHandler` in `@ssekit/node`, `sseHandler` in `@ssekit/web`). They are
 * checked when the middleware, plugin or handler is made: a bad value or an unknown key throws
 * `SsekitError('invalid_option')` naming it, before any request.
 *
 * @typeParam TEvents - the hub's event map.
 * @typeParam TRequest - what the hooks receive: the framework's request (Express `req`, Koa
 * `ctx`, Fastify `request`, a Node `IncomingMessage`, a Fetch `Request`).
 */
export interface AdmissionOptions<TEvents extends object = Record<string, unknown>, TRequest = unknown> {
  /** The hub the streams subscribe to. */
  hub: Hub<TEvents>;
  /**
   * The topics a request subscribes to: a fixed list, or a function of the request (it may be
   * async, and may throw an `SsekitError`, or any error with a `status`, to refuse the request).
   * Each topic is checked (`invalid_topic`, 400) before anything is sent.
   * @default every `?topic=` query parameter, or `['default']`
   */
  topics?: readonly string[] | ((request: TRequest) => readonly string[] | Promise<readonly string[]>);
  /**
   * Checks the request and its topics before the stream starts (and so before any history is
   * replayed). Returns the topics the client may receive: the stream gets the requested ones
   * among them, and none left is a 403. Returning everything a user may read is safe: a topic
   * not requested is ignored. It may throw `SsekitError('unauthorized')` (401),
   * `SsekitError('forbidden')` (403), or any error with a `status`. A boolean is not an answer
   * (a 500 says so): return `topics` to allow them all, `[]` to refuse.
   * @default every requested topic is allowed
   */
  authorize?: (request: TRequest, topics: readonly string[]) => readonly string[] | Promise<readonly string[]>;
  /** The `retry:` hint written first, ms (a non-negative integer). @default the hub's `retry` */
  retry?: number;
  /**
   * More response headers. They cannot replace the event-stream ones, and hop-by-hop names
   * (`Connection`, `Keep-Alive`, `Transfer-Encoding`, `Upgrade`) are dropped.
   * @default none
   */
  headers?: Record<string, string>;
  /**
   * Lets pages on other origins read the streams: the allowed origin is named (never `*`), with
   * `Vary: Origin` and credentials when asked; another origin is refused (403) before the stream,
   * and `OPTIONS` preflights the adapter sees are answered.
   * @default off: no `Access-Control-*` header
   */
  cors?: CorsOptions;
  /**
   * Who the client is, for the hub's `maxConnectionsPerClient`. Behind a reverse proxy every
   * client has the proxy's address: use the forwarded one (from a proxy you trust) or a user id.
   * `undefined` exempts the request from the per-client limit.
   * @default the framework's client address (`req.ip`, `ctx.ip`, `request.ip`, the socket's
   * remote address); none for a Fetch `Request`, which carries no address
   */
  clientKey?: (request: TRequest) => string | undefined;
  /**
   * How a request over the hub's connection limits is answered.
   * - `'retry'`: `200` with the stream headers, a `retry:` hint of `limitRetryMs` (plus up to
   *   half as much again, at random) and an immediate end. `EventSource` treats that as a
   *   stream that ended and comes back after the hint, where a `429` would make it give up.
   * - `429`: a `429` refusal with `Retry-After`, for clients that read statuses.
   * The hub counts both in `stats().rejected`.
   * @default 'retry'
   */
  limitResponse?: 'retry' | 429;
  /** The base of the `retry:` hint (and of `Retry-After`) over a limit, ms. @default 30000 */
  limitRetryMs?: number;
  /**
   * Told about each refusal that is answered with a 5xx (a throwing `authorize`, a backend
   * down), before it is answered. The client sees `ssekit: internal error`, except for ssekit's
   * own `closed` and `unavailable` messages, which say what to do and hold no internals (a
   * backend's detail stays in `cause`). Refusals with a 4xx are the client's own and are not
   * reported. A throw here changes nothing.
   * @default the adapter's: `console.error` where the adapter answers itself, the framework's
   * own error reporting where the refusal goes to it
   */
  onError?: (error: unknown, request: TRequest) => void;
}

/** Every key of {@link AdmissionOptions}, for the check of unknown keys. @internal */
export const ADMISSION_OPTION_KEYS: readonly string[] = [
  'hub',
  'topics',
  'authorize',
  'retry',
  'headers',
  'cors',
  'clientKey',
  'limitResponse',
  'limitRetryMs',
  'onError',
] satisfies readonly (keyof AdmissionOptions)[];
