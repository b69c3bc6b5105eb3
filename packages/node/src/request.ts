import { SsekitError, parseLastEventId, assertTopic } from '@ssekit/core';
import type { LastEventId } from '@ssekit/core';
import type { NodeRequest } from './headers.js';

/** Where a stream's topics come from. */
export type TopicResolver = (req: NodeRequest, url: URL) => readonly string[] | Promise<readonly string[]>;

/** The query parameter clients that cannot set headers use instead of `Last-Event-ID`. */
export const LAST_EVENT_ID_PARAM = 'lastEventId';

/** The request's URL, parsed against a placeholder origin (only path and query matter). */
export function requestUrl(req: NodeRequest): URL {
  return new URL(req.url ?? '/', 'http://localhost');
}

/**
 * The default {@link TopicResolver}: every `?topic=` parameter, or `['default']`.
 * Each topic is checked; a bad one throws `SsekitError('invalid_topic')` (400).
 */
export const topicsFromQuery: TopicResolver = (_req, url) => {
  const topics = url.searchParams.getAll('topic');
  for (const topic of topics) assertTopic(topic);
  return topics.length > 0 ? topics : ['default'];
};

/**
 * The client's resume point: the `Last-Event-ID` header, else the `lastEventId` query
 * parameter; checked against the id grammar (a bad one throws `invalid_last_event_id`, 400).
 */
export function lastEventIdOf(req: NodeRequest, url: URL): LastEventId | undefined {
  const header = req.headers['last-event-id'];
  const value = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get(LAST_EVENT_ID_PARAM);
  return parseLastEventId(value);
}

/**
 * Throws `invalid_option` (500) unless `retry` is a non-negative integer of milliseconds: checked
 * before the response starts, since the hint is the stream's first write.
 * @param retry - the `retry` option.
 */
export function checkRetry(retry: number): void {
  if (!Number.isSafeInteger(retry) || retry < 0) {
    throw new SsekitError('invalid_option', 'ssekit: `retry` must be a non-negative integer of milliseconds.');
  }
}
