import { SsekitError } from '@ssekit/core';

/** Throws `invalid_option` unless `path` is absent or a path starting with `/`. */
export function assertPath(path: unknown): void {
  if (path !== undefined && (typeof path !== 'string' || !path.startsWith('/'))) {
    throw new SsekitError('invalid_option', "ssekit: sse(): `path` must be a path starting with '/', e.g. '/events'.");
  }
}
