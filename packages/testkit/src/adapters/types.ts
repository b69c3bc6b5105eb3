import type { EventEmitter } from 'node:events';
import type { Server } from 'node:http';
import type { AdmissionOptions, Hub, OpenStreamOptions, SseStream } from '@ssekit/core';

/** The admission options a matrix scenario passes, the same for every adapter. */
export type MatrixOptions = Omit<AdmissionOptions<object>, 'hub'>;

/** A hand-driven stream the matrix mounts at `/ticks` with the adapter's own form. */
export interface TicksRoute {
  /** Called with each stream once it is open (headers and `retry:` hint on their way). */
  handler: (stream: SseStream) => void;
  /** The stream's options (`retry`, `heartbeatMs`, budget, ...). */
  options?: OpenStreamOptions;
}

/** How a scenario wants the stream mounted. */
export interface ServeSetup {
  /**
   * `'route'` (the default): the framework's own route for `GET /events` (`app.get`,
   * `router.get`, an `{ sse }` route, a path check before the handler), with the framework's
   * preflight route beside it when `cors` is given, as the docs show. `'app'`: mounted for the
   * whole app (`app.use(sse(...))`), next to a plain `GET /health` route and a last handler
   * answering everything else `404` with `next: METHOD PATH`; only where the framework has
   * app-wide middleware (see {@link Adapter.appWide}).
   */
  mount?: 'route' | 'app';
  /**
   * The framework's usual compression middleware in front of every route, and a `GET /page`
   * answering 4096 `x` as `text/plain` (see {@link Adapter.compression}).
   */
  compression?: boolean;
  /** Adapter-specific options passed as they are (e.g. `path` where the adapter has it). */
  own?: Record<string, unknown>;
  /**
   * A hand-driven stream at `GET /ticks`: `openStream`, `sse(handler)`, `reply.sse(handler)` or
   * `sseResponse(request, handler)`.
   */
  ticks?: TicksRoute;
  /** A middleware before the stream (see {@link Prelude}); only one of {@link Adapter.preludes}. */
  prelude?: Prelude;
  /**
   * Declares the stream before the framework's ssekit plugin is registered, the mistake that
   * once hung every request; `serve` rejects with what the framework says when it starts. Only
   * where {@link Adapter.plugin}.
   */
  routeBeforePlugin?: boolean;
}

/**
 * A middleware (or hook) the matrix puts before the stream, to play a misuse:
 * - `'write'`: writes `200`, `text/plain` and `already started\n`, then lets the request go on;
 *   the adapter must refuse with `headers_sent`.
 * - `'unawaited'`: calls `next()` without awaiting or returning it (Koa), so the chain ends
 *   before the stream starts.
 */
export type Prelude = 'write' | 'unawaited';

/** A server of the matrix, listening on 127.0.0.1 on a free port. */
export interface MatrixServer {
  /** `http://127.0.0.1:PORT`; the stream is at `/events`. */
  readonly url: string;
  /** The `node:http` server under the framework: its connections, listeners, `'request'`s. */
  readonly http: Server;
  /** The framework's own event emitter, where it has one (the Express and Koa apps). */
  readonly emitter?: EventEmitter;
  /**
   * What reached the framework's error channel, in order: refusals, and errors the framework
   * reports outside any answer (Koa's `app.on('error')`).
   */
  readonly errors: unknown[];
  /** Ends every connection and stops listening. */
  close(): Promise<void>;
}

/**
 * How the framework frames the answers ssekit gives, where frameworks differ (everything else,
 * status, ssekit's headers and the body, is the same for all).
 */
export interface Transport {
  /**
   * `Connection` on a stream: ssekit's Node sink says `keep-alive` on HTTP/1.1; a Fetch runtime
   * leaves it to `node:http`, which answers the test clients' `Connection: close`.
   */
  readonly streamConnection: 'keep-alive' | 'close';
  /**
   * True when the retry answer over a connection limit goes out whole with a `Content-Length`
   * (the Node adapters); false when it streams chunked like any stream body (Fetch).
   */
  readonly sizedRetryAnswer: boolean;
  /** True when a `204` preflight answer carries `Content-Length: 0`. */
  readonly preflightLength: boolean;
  /**
   * True when the connection of an evicted stream is let go at once (the Node sink destroys
   * it); false when its body just ends after what was queued, as a Fetch runtime owns the
   * connection.
   */
  readonly evictionDestroys: boolean;
  /**
   * True when the server closes an HTTP/1.1 connection once a stream on it has ended (the Node
   * sink: a client reconnects on a new one, and a keep-alive timer would only hold this one
   * idle); false when the connection stays open for the next request (Fetch).
   */
  readonly closesAfterStream: boolean;
}

/**
 * One adapter under test: how to mount it on its framework and what its hooks receive. Every
 * entry answers a refusal the way the docs show (status, headers, `{ "error": message }`), so
 * scenarios assert one set of bytes for all.
 */
export interface Adapter {
  /** e.g. `express 5`. */
  readonly name: string;
  /** The package under test. */
  readonly pkg: 'node' | 'express' | 'fastify' | 'koa' | 'web';
  /** True when `mount: 'app'` is possible (Express, Koa). */
  readonly appWide: boolean;
  /** What the compression middleware mounted by `compression: true` does. */
  readonly compression: {
    /** The encoding it picks for `Accept-Encoding: gzip, deflate, br`. */
    readonly encoding: 'br' | 'gzip';
    /** What it adds to a response it leaves uncompressed (an event stream), e.g. `Vary`. */
    readonly streamHeaders: Readonly<Record<string, string>>;
  };
  /** True when the adapter defaults `clientKey` to the client's address (not the Fetch one). */
  readonly addressKey: boolean;
  /**
   * True when refusals go to the framework's error channel (`next(err)`, Koa's throw, Fastify's
   * error handler), which {@link MatrixServer.errors} records; false where the adapter answers
   * them itself (`createSseHandler`, `sseHandler`).
   */
  readonly errorChannel: boolean;
  /** The misuses {@link ServeSetup.prelude} can play on this framework. */
  readonly preludes: readonly Prelude[];
  /** True when streams are declared against a plugin registered first (Fastify). */
  readonly plugin: boolean;
  /** How the framework frames ssekit's answers. */
  readonly transport: Transport;
  /** A request header as the hooks' request gives it. */
  header(request: unknown, name: string): string | undefined;
  /** The path and query of the hooks' request, as the client sent them. */
  url(request: unknown): string;
  /** Serves `GET /events` on `hub` with `options`. */
  serve(hub: Hub<object>, options?: MatrixOptions, setup?: ServeSetup): Promise<MatrixServer>;
  /**
   * Makes the adapter's middleware, plugin or handler from `options` exactly as a user would
   * (`sse(options)`, `app.register(ssekit, options)` and `ready()`, `createSseHandler(options)`,
   * `sseHandler(options)`), without serving: rejects with what that throws.
   */
  make(options: Record<string, unknown>): Promise<void>;
  /**
   * Makes the hand-driven form from `options` where it is made once, before any request
   * (`sse(handler, options)` in Express and Koa), and rejects with what that throws; absent
   * where a hand-driven stream is opened per request (`openStream`, `reply.sse(handler)`,
   * `sseResponse(request, handler)`).
   */
  readonly makeHandDriven?: (options: Record<string, unknown>) => Promise<void>;
}
