/**
 * Why a subscription failed, as a stable string to switch on.
 *
 * Retried (the subscription goes on; `onError` hears of each):
 * - `network`: the request failed, the stream broke off, or the `headers` function threw.
 * - `status`: an answer of 408, 429 or 5xx (`status` holds it); `Retry-After` is honoured.
 * - `inactive`: nothing at all (no event, no heartbeat) arrived within `inactivityMs`.
 *
 * Final (the subscription ends in state `'ended'`; iteration throws it):
 * - `status`: any other answer that is not a stream, e.g. 401, 403, 404 (`status` holds it).
 * - `content_type`: the answer is not `text/event-stream`.
 * - `parse`: the `parse` option threw for an event (the `cause`).
 *
 * Reported only (through `onError`, or `console.error` without it):
 * - `listener`: a listener given to `on()` threw (the `cause`); the others still run.
 *
 * Thrown by `subscribe()` itself:
 * - `invalid_option`: an option is out of range; the message names it.
 */
export type ClientErrorCode =
  'invalid_option' | 'network' | 'status' | 'inactive' | 'content_type' | 'parse' | 'listener';

/**
 * The one error type of `@ssekit/client`. `code` says what went wrong; `message` starts with
 * `ssekit:` and says what to do about it.
 */
export class SsekitClientError extends Error {
  /** What went wrong, as a stable string. */
  readonly code: ClientErrorCode;
  /** The HTTP status, for code `status`. */
  readonly status: number | undefined;

  /**
   * @param code - what went wrong.
   * @param message - what to do about it; `ssekit: ` is prepended.
   * @param cause - the underlying error, if any.
   * @param status - the HTTP status, for code `status`.
   */
  constructor(code: ClientErrorCode, message: string, cause?: unknown, status?: number) {
    super(`ssekit: ${message}`, { cause });
    this.name = 'SsekitClientError';
    this.code = code;
    this.status = status;
  }
}

/** A {@link SsekitClientError} of `code`. @internal */
export const fail = (code: ClientErrorCode, message: string, cause?: unknown, status?: number): SsekitClientError =>
  new SsekitClientError(code, message, cause, status);
