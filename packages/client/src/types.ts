import type { SsekitClientError } from './errors.js';
import type { ResetData } from './reset.js';

/**
 * A map of event names to the type of their data, e.g. `{ tick: { n: number } }`; the name
 * `message` stands for unnamed events. The same shape as a hub's map in `@ssekit/core`, so
 * `EventsOf<typeof hub>` (a type-only import from `@ssekit/core`) fits here.
 */
export type EventMap = object;

/** The events a subscription can receive: the map's, plus the reserved `'ssekit-reset'`. */
export type WithReset<TEvents extends EventMap> = TEvents & { 'ssekit-reset': ResetData };

/** The name of an event a subscription can receive. */
export type EventName<TEvents extends EventMap> = keyof WithReset<TEvents> & string;

/**
 * One received event. With `K` left out it is the union of every event of `TEvents` (and the
 * reset), so a `switch (event.type)` narrows `data`.
 */
export type ClientEvent<TEvents extends EventMap, K extends EventName<TEvents> = EventName<TEvents>> = K extends unknown
  ? {
      /** The event name (`'message'` when the server sent none). */
      type: K;
      /** The data, decoded by the `parse` option. */
      data: WithReset<TEvents>[K];
      /** The last event id after this event: the point a reconnect resumes from. */
      id: string;
      /** The data as text, before `parse`. */
      raw: string;
    }
  : never;

/**
 * Where the subscription stands: `'connecting'` while a request is out, `'open'` while a stream
 * is read, `'retrying'` while it waits to reconnect, `'ended'` for good (closed, a completed
 * run answered 204, or a final error).
 */
export type ConnectionState = 'connecting' | 'open' | 'retrying' | 'ended';

/** How event data is decoded. */
export type ParseOption = 'json' | 'text' | ((raw: string, type: string) => unknown);

/** Request headers, or a function returning them, called before every request. */
export type HeadersOption = HeadersInit | (() => HeadersInit | Promise<HeadersInit>);

/** Options of `subscribe`. */
export interface SubscribeOptions {
  /**
   * Start after this event id: the first request resumes from it.
   * @default none: start from what the server sends first
   */
  lastEventId?: string;
  /**
   * How `data` is decoded: `'json'` parses JSON and falls back to the text when it is not JSON;
   * `'text'` keeps the text; a function gets the text and the event name (it may validate, and
   * a throw ends the subscription with code `parse`). The reset event is always JSON.
   * @default 'json'
   */
  parse?: ParseOption;
  /** The HTTP method. @default 'GET', or 'POST' when a `body` is given */
  method?: string;
  /** A request body, sent again on every reconnect (so not a stream). @default none */
  body?: BodyInit | null;
  /**
   * Request headers, or a function called before every request (so each reconnect can carry a
   * refreshed token). A function that throws is a `network` error and is retried.
   * @default none (`Accept: text/event-stream` is always added)
   */
  headers?: HeadersOption;
  /** Fetch's `credentials` (cookies on cross-origin requests: `'include'`). @default fetch's: `'same-origin'` */
  credentials?: RequestCredentials;
  /** Aborting it closes the subscription. @default none */
  signal?: AbortSignal;
  /** The `fetch` to use (a wrapper, a mock, a polyfill). @default globalThis.fetch */
  fetch?: typeof fetch;
  /**
   * How the resume point is sent: the `Last-Event-ID` header, or the `lastEventId` query
   * parameter, which a cross-origin request can carry without a CORS preflight.
   * @default 'header'
   */
  sendLastEventId?: 'header' | 'query';
  /**
   * Reconnection delay in ms until the server sends `retry:`; the base of the backoff too.
   * @default 3000
   */
  retry?: number;
  /**
   * The longest wait between attempts after failures, in ms: the n-th failure in a row waits a
   * random time up to `min(maxRetryMs, retry * 2^n)` (full jitter). `Retry-After` may ask longer.
   * @default 30000
   */
  maxRetryMs?: number;
  /**
   * A connection on which nothing arrives for this long (no event, no heartbeat comment) is
   * dropped and reconnected; set it to a few heartbeat intervals of the server. 0 turns it off.
   * @default 45000 (three of ssekit's default 15 s heartbeats)
   */
  inactivityMs?: number;
  /** Told about every state change. @default none */
  onState?: (state: ConnectionState) => void;
  /**
   * Told about every failure: retried ones (state `'retrying'`), the final one (state
   * `'ended'`), and errors thrown by listeners (code `listener`).
   * @default none; listener errors go to `console.error`
   */
  onError?: (error: SsekitClientError) => void;
}

/**
 * A live subscription: iterate it with `for await`, or add listeners with `on()`. Both see every
 * event. An iterator sees the events from when it was made (so start the loop at once) and keeps
 * each one until it is read; leaving the loop early (`break`, `return`, a throw) closes the
 * subscription.
 */
export interface Subscription<TEvents extends EventMap> extends AsyncIterable<ClientEvent<TEvents>> {
  /** Where the subscription stands. */
  readonly state: ConnectionState;
  /** The id a reconnect resumes from: the last event id the server set, `''` before any. */
  readonly lastEventId: string;
  /** The error that ended the subscription, if one did. */
  readonly error: SsekitClientError | undefined;
  /**
   * Calls `listener` for every event named `type` (`'message'` for unnamed ones). A listener
   * that throws is reported through `onError` and the others still run.
   * @returns a function that removes the listener.
   */
  on<K extends EventName<TEvents>>(type: K, listener: (event: ClientEvent<TEvents, K>) => void): () => void;
  /** Ends the subscription for good and releases the connection; iterations end. */
  close(): void;
}
