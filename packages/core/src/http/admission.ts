import { SsekitError, isSsekitError } from '../errors.js';
import type { Hub } from '../hub/hub-types.js';
import type { Preparation } from '../hub/subscribe-types.js';
import type { Subscription } from '../hub/subscription.js';
import { assertTopic, assertTopicCount, topicLimits } from '../hub/topics.js';
import type { Sink } from '../stream/sink.js';
import { parseLastEventId } from '../wire/ids.js';
import type { LastEventId } from '../wire/ids.js';
import type { AdmissionOptions } from './admission-options.js';
import { assertAdmissionOptions } from './assert-options.js';
import { checkCors, forbiddenOrigin, preflightAnswer } from './cors.js';
import type { CorsOptions } from './cors.js';
import { refusalAnswer, statusOf, withHeaders } from './refusal.js';
import type { HttpAnswer } from './refusal.js';
import { FROM_PARAM, LAST_EVENT_ID_PARAM, viewUrl } from './request-view.js';
import type { RequestView } from './request-view.js';
import { limitRetryDelay, retryLaterBody } from './retry-later.js';

/** How an adapter makes its admission; see {@link createAdmission}. */
export interface AdmissionSpec<TRequest> {
  /** How users call the adapter (`sse()`, `createSseHandler()`), for error messages. */
  readonly factory: string;
  /** The adapter's own option names beside the shared ones; the adapter checks their values. */
  readonly ownKeys?: readonly string[];
  /** False where the hub comes from elsewhere (a route's options under a plugin's hub). */
  readonly needsHub?: boolean;
  /** The client key when `clientKey` is not given: the framework's client address. */
  readonly defaultClientKey?: (request: TRequest) => string | undefined;
  /** Where a 5xx refusal is reported when `onError` is not given; none when the framework reports it. */
  readonly defaultOnError?: (error: unknown, request: TRequest) => void;
}

/** A request that passed every check: what its subscription is made of. */
export interface AdmissionTicket {
  /** The topics, requested and allowed, each checked. */
  readonly topics: readonly string[];
  /** The resume point, parsed once. */
  readonly lastEventId: LastEventId | undefined;
  /** The CORS headers the answer carries (`Vary: Origin`, `Access-Control-*`), lower-case. */
  readonly headers: Readonly<Record<string, string>>;
  /** For the hub's per-client limit. */
  readonly clientKey: string | undefined;
  /** `?from=start`: the whole retained history first (when there is no resume point). */
  readonly fromStart: boolean;
  /** What the hub decided before the answer (see `Hub.prepare`). */
  readonly prepared: Preparation;
  /**
   * The answer that replaces the stream, when there is one: `204 No Content` for a request with
   * nothing left to read (its topics completed and it read every final event), which makes
   * `EventSource` stop reconnecting.
   */
  readonly answer: HttpAnswer | undefined;
}

/**
 * One request admission, shared by every adapter: from a request to a started stream, an
 * answer already given (a preflight, the retry answer over a limit), or a refusal (an error with
 * a `status` and the `headers` its answer needs). Made once per middleware, plugin or handler,
 * with its options checked then. An adapter maps its request onto a {@link RequestView}, its
 * response onto a `Sink`, and refusals onto its framework's error channel.
 *
 * @typeParam TEvents - the hub's event map.
 * @typeParam TRequest - what the hooks receive.
 */
export interface Admission<TEvents extends object, TRequest> {
  /** The hub streams subscribe to. */
  readonly hub: Hub<TEvents>;
  /** The CORS options, if any. */
  readonly cors: CorsOptions | undefined;
  /** The extra response headers of a stream (and of the retry answer). */
  readonly headers: Readonly<Record<string, string>> | undefined;
  /** The answer to a CORS preflight (`OPTIONS`): 204 with its headers, or a 403 refusal. */
  preflight(view: RequestView): HttpAnswer;
  /**
   * Runs every check a stream request must pass, before any byte: CORS, the topics and their
   * grammar, the `Last-Event-ID` (and `?from=start`), `authorize`, a closed hub; then asks the
   * hub whether the request has anything left to read (its `answer` is a 204 when not).
   * @param view - the request, as the admission reads it.
   * @param request - what the hooks receive.
   * @throws (rejects with) the refusal: an `SsekitError` (or a hook's own error) with its status
   * and, in `headers`, what its answer must carry. The adapter reports it (see `report`).
   */
  admit(view: RequestView, request: TRequest): Promise<AdmissionTicket>;
  /**
   * Subscribes `sink` for an admitted request. Over a connection limit it returns the retry
   * answer (with `limitResponse: 'retry'`) or throws the 429 refusal, with `Retry-After`.
   * @param signal - aborting it ends the stream with reason `'client'`.
   */
  open(ticket: AdmissionTicket, sink: Sink, signal?: AbortSignal): Subscription<TEvents> | HttpAnswer;
  /** Reports a refusal to `onError` when it is answered with a 5xx; a throwing `onError` is ignored. */
  report(error: unknown, request: TRequest): void;
}

/**
 * Makes an {@link Admission}: checks the options now (a bad value or an unknown key throws
 * `SsekitError('invalid_option')`), so that no request ever meets them.
 * @param options - the shared options (and the adapter's own, named in `spec.ownKeys`).
 * @param spec - the adapter's name, own keys and defaults.
 * @param given - the hub, when it is not in `options` (a route under a plugin's hub).
 */
export function createAdmission<TEvents extends object, TRequest>(
  options: Omit<AdmissionOptions<TEvents, TRequest>, 'hub'> & { hub?: Hub<TEvents> },
  spec: AdmissionSpec<TRequest>,
  given?: Hub<TEvents>,
): Admission<TEvents, TRequest> {
  assertAdmissionOptions(options, spec.factory, spec.ownKeys, spec.needsHub ?? true);
  const hub = given ?? options.hub;
  if (hub === undefined) throw new SsekitError('invalid_option', `ssekit: ${spec.factory}: pass { hub: createHub() }.`);
  const { topics, authorize, cors, retry, limitResponse, limitRetryMs } = options;
  const clientKey = options.clientKey ?? spec.defaultClientKey;
  const onError = options.onError ?? spec.defaultOnError;

  const report = (error: unknown, request: TRequest): void => {
    if (onError === undefined || statusOf(error) < 500) return;
    try {
      onError(error, request);
    } catch {
      // The refusal is answered whatever the reporter does.
    }
  };

  const admit = async (view: RequestView, request: TRequest): Promise<AdmissionTicket> => {
    let headers: Record<string, string> = {};
    try {
      if (cors !== undefined) {
        const check = checkCors(cors, view.header('origin'));
        headers = check.headers;
        if (!check.allowed) throw forbiddenOrigin();
      }
      const url = viewUrl(view);
      const lastEventId = parseLastEventId(view.header('last-event-id') ?? url.searchParams.get(LAST_EVENT_ID_PARAM));
      const requested = await requestedTopics(topics, request, url, topicLimits.get(hub) ?? Infinity);
      const fromStart = fromStartOf(url);
      const allowed =
        authorize === undefined ? requested : allowedTopics(requested, await authorize(request, requested));
      if (allowed.length === 0) throw new SsekitError('forbidden', 'ssekit: no topic of this request may be received.');
      if (hub.closed) throw new SsekitError('closed', 'ssekit: the server is shutting down; reconnect later.');
      const prepared = await hub.prepare({ topics: allowed, lastEventId, from: fromStart ? 'start' : undefined });
      const answer: HttpAnswer | undefined = prepared.ended
        ? { status: 204, headers, body: '', stream: false }
        : undefined;
      return { topics: allowed, lastEventId, headers, clientKey: clientKey?.(request), fromStart, prepared, answer };
    } catch (err) {
      throw withHeaders(err, headers);
    }
  };

  const open = (ticket: AdmissionTicket, sink: Sink, signal?: AbortSignal): Subscription<TEvents> | HttpAnswer => {
    try {
      return hub.subscribe(sink, {
        topics: ticket.topics,
        lastEventId: ticket.lastEventId,
        from: ticket.fromStart ? 'start' : undefined,
        prepared: ticket.prepared,
        retry,
        signal,
        clientKey: ticket.clientKey,
      });
    } catch (err) {
      if (!isSsekitError(err, 'too_many_connections')) throw withHeaders(err, ticket.headers);
      const delay = limitRetryDelay(limitRetryMs);
      if (limitResponse === 429) {
        throw withHeaders(err, { ...ticket.headers, 'retry-after': String(Math.ceil(delay / 1000)) });
      }
      return { status: 200, headers: ticket.headers, body: retryLaterBody(delay), stream: true };
    }
  };

  const preflight = (view: RequestView): HttpAnswer =>
    cors === undefined
      ? refusalAnswer(new SsekitError('forbidden', 'ssekit: cross-origin requests are not allowed here.'))
      : preflightAnswer(cors, view.header('origin'));

  return { hub, cors, headers: options.headers, preflight, admit, open, report };
}

/** `?from=start`, the one value the `from` parameter takes. */
function fromStartOf(url: URL): boolean {
  const from = url.searchParams.get(FROM_PARAM);
  if (from === null || from === '') return false;
  if (from !== 'start') {
    throw new SsekitError('invalid_field', "ssekit: `from` takes one value, 'start' (the whole retained history).");
  }
  return true;
}

/** The requested topics, without duplicates, refused over the hub's `maxTopicsPerStream` before `authorize` sees them. */
async function requestedTopics<TRequest>(
  topics: AdmissionOptions<object, TRequest>['topics'],
  request: TRequest,
  url: URL,
  max: number,
): Promise<readonly string[]> {
  let list: readonly string[];
  if (topics === undefined) {
    const asked = url.searchParams.getAll('topic');
    list = asked.length > 0 ? asked : ['default'];
  } else {
    list = typeof topics === 'function' ? await topics(request) : topics;
  }
  if (!Array.isArray(list)) {
    throw new SsekitError('invalid_option', 'ssekit: the `topics` function must return a list of topic names.');
  }
  const unique = [...new Set(list as unknown[])];
  assertTopicCount(unique.length, max);
  for (const topic of unique) assertTopic(topic as string);
  return unique as readonly string[];
}

/**
 * The requested topics `authorize` allows, in the order asked. Every topic it returns is checked
 * too: a malformed one is a bug worth a 400, not a silent drop.
 */
function allowedTopics(requested: readonly string[], allowed: unknown): readonly string[] {
  if (!Array.isArray(allowed)) {
    throw new SsekitError(
      'invalid_option',
      `ssekit: \`authorize\` must return the list of topics the request may receive (return [] or throw SsekitError('forbidden') to refuse); it returned ${typeof allowed === 'boolean' ? String(allowed) : typeof allowed}.`,
    );
  }
  for (const topic of allowed as unknown[]) assertTopic(topic as string);
  const set = new Set(allowed as string[]);
  return requested.filter((topic) => set.has(topic));
}
