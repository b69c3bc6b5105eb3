/**
 * The little an admission reads of a request, whatever the framework: an adapter builds one
 * from its own request object.
 */
export interface RequestView {
  /** The method, upper-case (`GET`, `OPTIONS`, ...). */
  readonly method: string;
  /** The request target: path and query (an absolute URL is accepted too). */
  readonly url: string;
  /**
   * A request header by lower-case name; the first value when it was sent several times.
   * `undefined` when absent.
   */
  header(name: string): string | undefined;
}

/** The query parameter clients that cannot set headers use instead of `Last-Event-ID`. */
export const LAST_EVENT_ID_PARAM = 'lastEventId';

/** The query parameter that asks for the whole retained history first: `?from=start`. */
export const FROM_PARAM = 'from';

/** The request's URL, parsed against a placeholder origin (only path and query matter). */
export function viewUrl(view: RequestView): URL {
  return new URL(view.url, 'http://localhost');
}

/**
 * True when a request mounted app-wide is one for the event stream: a `GET` (or `HEAD`) that is
 * on `path` when one is given, else one that asks for `text/event-stream` in `Accept` (every
 * `EventSource` does). A route that matched already (`routed`) needs neither. With `cors`, an
 * `OPTIONS` preflight on `path` (or to a route that matched) counts too, so it is answered.
 * @param view - the request.
 * @param where - the mount: its `path`, whether a router matched the request already, and
 * whether CORS preflights are answered.
 */
export function isStreamRequest(
  view: RequestView,
  where: { readonly path?: string; readonly routed: boolean; readonly cors: boolean },
): boolean {
  const { method } = view;
  const onPath = where.routed || (where.path !== undefined && pathOf(view.url) === where.path);
  if (method === 'OPTIONS') return where.cors && onPath;
  if (method !== 'GET' && method !== 'HEAD') return false;
  if (onPath) return true;
  return where.path === undefined && acceptsEventStream(view.header('accept'));
}

function pathOf(url: string): string {
  const end = url.search(/[?#]/);
  const target = end < 0 ? url : url.slice(0, end);
  return target.startsWith('/') ? target : new URL(target, 'http://localhost').pathname;
}

function acceptsEventStream(accept: string | undefined): boolean {
  return accept?.toLowerCase().includes('text/event-stream') === true;
}
