import { assertTopic, parseLastEventId } from '@ssekit/core';
import type { LastEventId } from '@ssekit/core';

/** The query parameter clients that cannot set headers use instead of `Last-Event-ID`. */
export const LAST_EVENT_ID_PARAM = 'lastEventId';

/** The request's URL, parsed (a Fetch `Request` always has an absolute one). */
export function requestUrl(request: Request): URL {
  return new URL(request.url, 'http://localhost');
}

/**
 * A stream's topics from its request: every `?topic=` parameter, or `['default']`.
 * @param request - the request.
 * @param url - its parsed URL, when the caller already has it.
 * @throws SsekitError `invalid_topic` (400) for a name outside the topic grammar.
 */
export function topicsFromRequest(request: Request, url: URL = requestUrl(request)): string[] {
  const topics = url.searchParams.getAll('topic');
  for (const topic of topics) assertTopic(topic);
  return topics.length > 0 ? topics : ['default'];
}

/**
 * The client's resume point: the `Last-Event-ID` header, else the `lastEventId` query
 * parameter (for clients that cannot set headers).
 * @param request - the request.
 * @param url - its parsed URL, when the caller already has it.
 * @returns the id, or `undefined` when the client starts live.
 * @throws SsekitError `invalid_last_event_id` (400) for a value outside the id grammar.
 */
export function lastEventIdFromRequest(request: Request, url: URL = requestUrl(request)): LastEventId | undefined {
  return parseLastEventId(request.headers.get('last-event-id') ?? url.searchParams.get(LAST_EVENT_ID_PARAM));
}
