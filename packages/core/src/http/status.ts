import type { SsekitErrorCode } from '../errors.js';

/**
 * The HTTP status an adapter answers with when an error of each code stops a request: the one
 * table every adapter's refusals follow. @internal
 */
export const STATUS_OF_CODE: Readonly<Record<SsekitErrorCode, number>> = {
  invalid_field: 400,
  invalid_topic: 400,
  invalid_last_event_id: 400,
  invalid_option: 500,
  closed: 503,
  completed: 409,
  unavailable: 503,
  payload_too_large: 413,
  unauthorized: 401,
  forbidden: 403,
  too_many_connections: 429,
  headers_sent: 500,
};
