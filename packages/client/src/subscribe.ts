import { backoff, MAX_DELAY, retryAfter } from './delays.js';
import { fail } from './errors.js';
import type { SsekitClientError } from './errors.js';
import { eventIterator } from './iterator.js';
import type { AnyEvent } from './iterator.js';
import { checkOptions } from './options.js';
import { createParser } from './parser.js';
import { RESET_EVENT } from './reset.js';
import type { ConnectionState, EventMap, SubscribeOptions, Subscription } from './types.js';

type Listener = (event: AnyEvent) => void;

const json = (raw: string): unknown => {
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
};

// A header value is a byte string: the id goes as its UTF-8 bytes, one character each, as
// EventSource sends it (a character above U+00FF would make `Headers` throw).
const utf8Bytes = (text: string): string => {
  let bytes = '';
  for (const byte of new TextEncoder().encode(text)) bytes += String.fromCharCode(byte);
  return bytes;
};

/**
 * Subscribes to a Server-Sent Events stream over `fetch`, and keeps it: reconnects with the last
 * event id (after the server's `retry:`, or with backoff after failures), surfaces the server's
 * `ssekit-reset`, and ends for good on 204, on a refusal, or when closed.
 *
 * @typeParam TEvents - event names to data types, e.g. `EventsOf<typeof hub>` from
 * `@ssekit/core` (a type-only import), so a renamed event breaks the client's build.
 * @param url - the stream's URL (relative ones resolve against the page's location).
 * @param options - request, resume, parsing, reconnection and callbacks.
 * @returns the subscription: iterate it with `for await`, or add listeners with `on()`.
 * @throws SsekitClientError `invalid_option` for a bad option; nothing is requested then.
 *
 * @example
 * ```ts
 * const events = subscribe<EventsOf<typeof hub>>('/events', { headers: () => ({ authorization: token() }) });
 * for await (const event of events) if (event.type === 'price') show(event.data.value);
 * ```
 */
export function subscribe<TEvents extends EventMap = Record<string, unknown>>(
  url: string | URL,
  options: SubscribeOptions = {},
): Subscription<TEvents> {
  const {
    parse = 'json',
    body,
    headers,
    credentials,
    signal,
    onState,
    onError,
    maxRetryMs = 30_000,
    inactivityMs = 45_000,
    fetch: fetcher = globalThis.fetch,
  } = options;
  const method = options.method ?? (body == null ? 'GET' : 'POST');
  const query = options.sendLastEventId === 'query';
  let retry = options.retry ?? 3000;
  const target = checkOptions(url, options, parse, fetcher, method);
  const decode = parse === 'json' ? json : parse === 'text' ? (raw: string) => raw : parse;

  let state: ConnectionState = 'connecting';
  let lastEventId = options.lastEventId ?? '';
  let error: SsekitClientError | undefined;
  let closed = false;
  let request: AbortController | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let wake: (() => void) | undefined;
  const listeners = new Map<string, Set<Listener>>();
  // One entry per live iterator: its queue, and how to wake it.
  const iterators = new Map<AnyEvent[], () => void>();

  const report = (failure: SsekitClientError): void => {
    if (onError === undefined) {
      if (failure.code === 'listener') console.error(failure);
      return;
    }
    try {
      onError(failure);
    } catch (thrown) {
      console.error(thrown);
    }
  };

  // Application code never breaks the subscription: what it throws is reported.
  const call = <T>(fn: ((arg: T) => void) | undefined, arg: T): void => {
    try {
      fn?.(arg);
    } catch (cause) {
      report(fail('listener', 'a listener or callback threw; the subscription goes on.', cause));
    }
  };

  const setState = (next: ConnectionState): void => {
    if (state === 'ended' || state === next) return;
    state = next;
    call(onState, next);
  };

  const end = (failure?: SsekitClientError): void => {
    if (closed) return;
    closed = true;
    error = failure;
    request?.abort();
    clearTimeout(timer);
    wake?.();
    signal?.removeEventListener('abort', close);
    setState('ended');
    if (failure !== undefined) report(failure);
    for (const ping of iterators.values()) ping();
  };
  const close = (): void => {
    end();
  };
  // Read afresh after an await: `end()` may have run meanwhile.
  const isClosed = (): boolean => closed;

  const dispatch = (raw: string | undefined, type: string, id: string): void => {
    if (closed) return;
    if (raw === undefined) {
      lastEventId = id;
      return;
    }
    let data: unknown;
    try {
      data = type === RESET_EVENT ? json(raw) : decode(raw, type);
    } catch (cause) {
      end(fail('parse', `the \`parse\` option threw for a "${type}" event; fix it or the data.`, cause));
      return;
    }
    lastEventId = id;
    const event = { type, data, id, raw };
    for (const [queue, ping] of iterators) {
      queue.push(event);
      ping();
    }
    for (const listener of listeners.get(type) ?? []) call(listener, event);
  };

  // Failures in a row, for the backoff; an opened stream starts the count again.
  let failures = 0;

  // One request and its stream. Returns the wait before the next one in ms, or -1 to back off.
  const connect = async (): Promise<number> => {
    const controller = (request = new AbortController());
    // When bytes last arrived; -1 once the inactivity limit aborted the request.
    let seen = 0;
    const watch = (): void => {
      const idle = Date.now() - seen;
      if (idle < inactivityMs) {
        timer = setTimeout(watch, inactivityMs - idle);
      } else {
        seen = -1;
        controller.abort();
      }
    };
    try {
      const sent = new Headers(typeof headers === 'function' ? await headers() : headers);
      if (!sent.has('accept')) sent.set('accept', 'text/event-stream');
      const href = new URL(target);
      if (lastEventId !== '') {
        if (query) href.searchParams.set('lastEventId', lastEventId);
        else sent.set('last-event-id', utf8Bytes(lastEventId));
      }
      seen = Date.now();
      if (inactivityMs > 0) watch();
      const response = await fetcher(href, { method, body, credentials, headers: sent, signal: controller.signal });
      const status = response.status;
      if (status === 204) {
        end();
      } else if (!response.ok) {
        const failure = fail('status', `${method} ${href.pathname} answered ${status}.`, undefined, status);
        if (status < 500 && status !== 408 && status !== 429) {
          end(failure);
        } else {
          setState('retrying');
          report(failure);
          return retryAfter(response.headers.get('retry-after')) ?? -1;
        }
      } else if (!/^text\/event-stream\s*(;|$)/i.test(response.headers.get('content-type') ?? '')) {
        end(fail('content_type', `${href.pathname} is not text/event-stream; check the URL.`));
      } else {
        failures = 0;
        setState('open');
        const feed = createParser(
          dispatch,
          (ms) => {
            retry = ms;
          },
          lastEventId,
        );
        const reader = response.body?.getReader();
        if (reader !== undefined) {
          for (let read = await reader.read(); !read.done; read = await reader.read()) {
            seen = Date.now();
            feed(read.value);
          }
        }
        // A clean end: the server's `retry` is the wait.
        return retry;
      }
    } catch (cause) {
      if (closed) return 0;
      setState('retrying');
      report(
        seen < 0
          ? fail('inactive', `nothing arrived for ${inactivityMs} ms; reconnecting.`)
          : fail('network', 'the request failed or the stream broke off; reconnecting.', cause),
      );
      return -1;
    } finally {
      clearTimeout(timer);
      controller.abort();
    }
    return 0;
  };

  const run = async (): Promise<void> => {
    while (!isClosed()) {
      let wait = await connect();
      if (isClosed()) break;
      setState('retrying');
      if (wait < 0) wait = backoff(++failures, retry, maxRetryMs);
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, Math.min(wait, MAX_DELAY));
      });
      setState('connecting');
    }
  };

  const subscription: Subscription<TEvents> = {
    get state() {
      return state;
    },
    get lastEventId() {
      return lastEventId;
    },
    get error() {
      return error;
    },
    on(type, listener) {
      let set = listeners.get(type);
      if (set === undefined) listeners.set(type, (set = new Set()));
      const added = listener as unknown as Listener;
      set.add(added);
      return () => {
        set.delete(added);
      };
    },
    close,
    [Symbol.asyncIterator]() {
      return eventIterator(iterators, isClosed, () => error, close);
    },
  };

  if (signal?.aborted) end();
  else signal?.addEventListener('abort', close);
  void run();
  return subscription;
}
