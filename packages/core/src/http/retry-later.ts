import { formatComment } from '../wire/encoder.js';
import { retryLine } from '../wire/frames.js';
import { SsekitError } from '../errors.js';

/** The base of the `retry:` hint for requests over a connection limit, ms. */
export const DEFAULT_LIMIT_RETRY_MS = 30_000;

/**
 * Checks a `limitRetryMs` option.
 * @param ms - the option's value.
 * @throws SsekitError `invalid_option` unless it is a non-negative integer.
 */
export function assertLimitRetry(ms: number): void {
  if (!Number.isSafeInteger(ms) || ms < 0) {
    throw new SsekitError('invalid_option', 'ssekit: `limitRetryMs` must be a non-negative integer of milliseconds.');
  }
}

/**
 * The delay a client over a connection limit is told to wait, ms: `limitRetryMs` plus up to
 * half as much again, at random, so clients turned away together do not all come back together.
 * @param limitRetryMs - the base delay. @default 30000
 */
export function limitRetryDelay(limitRetryMs: number = DEFAULT_LIMIT_RETRY_MS): number {
  return limitRetryMs + Math.floor(Math.random() * (Math.floor(limitRetryMs / 2) + 1));
}

/**
 * The whole body of the answer to a client over a connection limit, in the form `EventSource`
 * honours: a comment and a `retry:` hint, sent with `200` and the stream headers, then the end.
 * The browser reconnects after the hint (a `4xx` would make it stop for good).
 * @param delayMs - the hint, usually {@link limitRetryDelay}.
 * @returns e.g. `: too many connections, retry later\nretry: 31234\n`.
 */
export function retryLaterBody(delayMs: number): string {
  return formatComment('too many connections, retry later') + retryLine(delayMs);
}
