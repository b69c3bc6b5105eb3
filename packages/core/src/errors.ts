import { STATUS_OF_CODE } from './http/status.js';

/**
 * The reasons ssekit refuses something. Each is a stable string a caller can switch on.
 *
 * - `invalid_field`: an event field (`event`, `id`, `retry`, `data`) cannot be written safely.
 * - `invalid_topic`: a topic name is empty, too long or holds characters outside its grammar, or
 *   a stream asks for more topics (or ordering groups of its store) than it may receive.
 * - `invalid_last_event_id`: a `Last-Event-ID` is too long or is not an id ssekit could have issued.
 * - `invalid_option`: an option passed to a factory is out of range.
 * - `closed`: the hub (or a stream) was closed before the call.
 * - `completed`: the topic completed (its final event was published); it takes no more events.
 * - `unavailable`: a backend (a replay store or a bus) could not be reached.
 * - `payload_too_large`: a body is over the configured limit.
 * - `unauthorized`: the request carries no credentials an authorization hook accepts (401).
 * - `forbidden`: an authorization hook refused the request (403).
 * - `too_many_connections`: a connection limit was reached.
 * - `headers_sent`: the response had already started, so it cannot become a stream.
 */
export type SsekitErrorCode =
  | 'invalid_field'
  | 'invalid_topic'
  | 'invalid_last_event_id'
  | 'invalid_option'
  | 'closed'
  | 'completed'
  | 'unavailable'
  | 'payload_too_large'
  | 'unauthorized'
  | 'forbidden'
  | 'too_many_connections'
  | 'headers_sent';

/**
 * The one error type ssekit throws. `code` says what went wrong; `message` starts with
 * `ssekit:` and says what to do about it; `status` is the HTTP status an adapter uses when the
 * error stops a request before its stream starts.
 *
 * @example
 * ```ts
 * try {
 *   formatEvent({ event: 'a\nb', data: 1 });
 * } catch (err) {
 *   if (err instanceof SsekitError && err.code === 'invalid_field') reply(400, err.message);
 * }
 * ```
 */
export class SsekitError extends Error {
  /** What went wrong, as a stable string. */
  readonly code: SsekitErrorCode;
  /** The HTTP status that fits this error when it stops a request. */
  readonly status: number;

  /**
   * @param code - what went wrong.
   * @param message - what to do about it; `ssekit: ` is prepended when missing.
   * @param options - `cause` for a wrapped error, `status` to override the default status.
   */
  constructor(code: SsekitErrorCode, message: string, options?: { cause?: unknown; status?: number }) {
    super(message.startsWith('ssekit:') ? message : `ssekit: ${message}`, { cause: options?.cause });
    this.name = 'SsekitError';
    this.code = code;
    this.status = options?.status ?? STATUS_OF_CODE[code];
  }
}

/** True when `value` is an {@link SsekitError}, optionally of the given code. */
export function isSsekitError(value: unknown, code?: SsekitErrorCode): value is SsekitError {
  return value instanceof SsekitError && (code === undefined || value.code === code);
}
