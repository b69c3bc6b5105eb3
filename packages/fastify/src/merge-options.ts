import { SsekitError, assertCorsOptions, assertLimitRetry } from '@ssekit/core';
import type { SseRouteOptions } from './options.js';

/** The narrower options win field by field; extra headers add up. */
export function merge(base: SseRouteOptions, over: SseRouteOptions | undefined): SseRouteOptions {
  if (over === undefined) return base;
  return {
    topics: over.topics ?? base.topics,
    authorize: over.authorize ?? base.authorize,
    retry: over.retry ?? base.retry,
    headers: base.headers === undefined ? over.headers : { ...base.headers, ...over.headers },
    cors: over.cors ?? base.cors,
    clientKey: over.clientKey ?? base.clientKey,
    limitResponse: over.limitResponse ?? base.limitResponse,
    limitRetryMs: over.limitRetryMs ?? base.limitRetryMs,
    onError: over.onError ?? base.onError,
  };
}

/**
 * Checks what can be checked before any request: `retry`, `limitRetryMs`, `cors`.
 * @throws SsekitError `invalid_option`.
 */
export function checkOptions(options: SseRouteOptions | undefined): void {
  if (options === undefined) return;
  checkRetry(options.retry);
  if (options.limitRetryMs !== undefined) assertLimitRetry(options.limitRetryMs);
  if (options.cors !== undefined) assertCorsOptions(options.cors);
}

/** Throws `invalid_option` for a `retry` that is not a non-negative integer of ms. */
export function checkRetry(retry: number | undefined): void {
  if (retry !== undefined && (!Number.isSafeInteger(retry) || retry < 0)) {
    throw new SsekitError('invalid_option', 'ssekit: `retry` must be a non-negative integer of milliseconds.');
  }
}
