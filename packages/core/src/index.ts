export { SsekitError, isSsekitError } from './errors.js';
export type { SsekitErrorCode } from './errors.js';
export {
  formatEvent,
  formatComment,
  encodeEvent,
  encodeComment,
  assertEventName,
  assertEventId,
  assertRetry,
} from './encoder.js';
export type { SseEvent, FormatOptions } from './encoder.js';
