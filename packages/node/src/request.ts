import { LAST_EVENT_ID_PARAM, parseLastEventId } from '@ssekit/core';
import type { LastEventId, RequestView } from '@ssekit/core';
import type { NodeRequest } from './headers.js';

/** The request's URL, parsed against a placeholder origin (only path and query matter). */
export function requestUrl(req: NodeRequest): URL {
  return new URL(req.url ?? '/', 'http://localhost');
}

/** A Node request as an admission reads it. */
export function nodeView(req: NodeRequest): RequestView {
  return {
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    header: (name) => {
      const value = req.headers[name];
      return (Array.isArray(value) ? value[0] : value) ?? undefined;
    },
  };
}

/**
 * The client's resume point: the `Last-Event-ID` header, else the `lastEventId` query
 * parameter; checked against the id grammar (a bad one throws `invalid_last_event_id`, 400).
 * For hand-driven streams; hub streams get it from their admission.
 * @param req - the request.
 */
export function lastEventIdOf(req: NodeRequest): LastEventId | undefined {
  const header = req.headers['last-event-id'];
  const value = (Array.isArray(header) ? header[0] : header) ?? requestUrl(req).searchParams.get(LAST_EVENT_ID_PARAM);
  return parseLastEventId(value);
}
