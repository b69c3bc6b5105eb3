import { LAST_EVENT_ID_PARAM, parseLastEventId } from '@ssekit/core';
import type { LastEventId, RequestView } from '@ssekit/core';

/**
 * A Fetch `Request` as an admission reads it.
 * @param request - the request.
 * @param lastEventId - a resume point that replaces the request's (`null`: none), when given.
 */
export function webView(request: Request, lastEventId?: string | null): RequestView {
  if (lastEventId === undefined) {
    return { method: request.method, url: request.url, header: (name) => request.headers.get(name) ?? undefined };
  }
  const url = new URL(request.url);
  url.searchParams.delete(LAST_EVENT_ID_PARAM);
  return {
    method: request.method,
    url: url.href,
    header: (name) =>
      name === 'last-event-id' ? (lastEventId ?? undefined) : (request.headers.get(name) ?? undefined),
  };
}

/**
 * The client's resume point: the `Last-Event-ID` header, else the `lastEventId` query parameter
 * (for clients that cannot set headers). For hand-driven streams; hub streams get it from their
 * admission.
 * @param request - the request.
 * @returns the id, or `undefined` when the client starts live.
 * @throws SsekitError `invalid_last_event_id` (400) for a value outside the id grammar.
 */
export function lastEventIdOf(request: Request): LastEventId | undefined {
  return parseLastEventId(
    request.headers.get('last-event-id') ?? new URL(request.url).searchParams.get(LAST_EVENT_ID_PARAM),
  );
}
