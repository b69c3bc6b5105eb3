import { assertEventId } from './encoder.js';
import { SsekitError } from '../errors.js';

/**
 * Longest id ssekit accepts, from a publisher or in a `Last-Event-ID`.
 */
export const MAX_ID_LENGTH = 128;

/**
 * The characters of every id ssekit assigns, and of every caller-given id: unreserved URL
 * characters, so an id can go in a query string as is and browsers never need a CORS preflight
 * to send it back in `Last-Event-ID`.
 */
export const ID_PATTERN = /^[A-Za-z0-9._~-]+$/;

/**
 * Throws `invalid_field` unless `id` is an id a publisher may give: what the encoder accepts,
 * non-empty, at most {@link MAX_ID_LENGTH} characters of {@link ID_PATTERN}. A stricter rule
 * than the wire's, so that every id a client receives is one it can resume from.
 * @param id - the caller-given id.
 */
export function assertPublishId(id: string): void {
  assertEventId(id);
  if (id.length === 0 || id.length > MAX_ID_LENGTH || !ID_PATTERN.test(id)) {
    throw new SsekitError(
      'invalid_field',
      `ssekit: a published \`id\` must be 1 to ${MAX_ID_LENGTH} characters of A-Z a-z 0-9 . _ ~ - (so clients can send it back); omit it to let the replay store assign one.`,
    );
  }
}

declare const checked: unique symbol;

/**
 * A client's resume point that {@link parseLastEventId} checked: the hub and the stores take it
 * as is, so an untrusted value is parsed once, where the request is read.
 */
export type LastEventId = string & { readonly [checked]: true };

/**
 * Checks an untrusted `Last-Event-ID` (header or query) before anything looks it up.
 * @param value - the raw value; `undefined` or `''` means no resume.
 * @returns the id, or `undefined` when there is nothing to resume from.
 * @throws SsekitError `invalid_last_event_id` when it is too long or outside the id grammar.
 */
export function parseLastEventId(value: string | null | undefined): LastEventId | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (value.length > MAX_ID_LENGTH || !ID_PATTERN.test(value)) {
    throw new SsekitError(
      'invalid_last_event_id',
      `ssekit: Last-Event-ID must be 1 to ${MAX_ID_LENGTH} characters of A-Z a-z 0-9 . _ ~ -; reconnect without it to start live.`,
    );
  }
  return value as LastEventId;
}
