import { SsekitError } from '../errors.js';
import { formatEvent } from '../wire/encoder.js';
import type { FormatOptions } from '../wire/encoder.js';
import { assertPublishId } from '../wire/ids.js';
import { RESERVED_PREFIX } from '../wire/reserved.js';

/** A published event, checked and formatted: what the store keeps. @internal */
export interface PreparedEvent {
  /** The event block without its `id:` line. */
  readonly body: string;
  /** The caller-given id, checked. */
  readonly id: string | undefined;
}

/**
 * Checks an event a caller publishes and formats its body, so a bad event throws before
 * anything is stored. Stricter than the wire: no NUL in the name, no reserved name, `data`
 * required, ids in the grammar clients can send back. @internal
 * @throws SsekitError `invalid_field`.
 */
export function preparePublish(event: unknown, serialize: FormatOptions['serialize']): PreparedEvent {
  const { event: name, data, id } = event as { event?: string; data?: unknown; id?: string };
  if (name?.includes('\0')) {
    throw new SsekitError('invalid_field', 'ssekit: `event` must not contain NUL; remove that character.');
  }
  if (name?.startsWith(RESERVED_PREFIX)) {
    throw new SsekitError(
      'invalid_field',
      `ssekit: event names starting with \`${RESERVED_PREFIX}\` are reserved; choose another name.`,
    );
  }
  if (data === undefined) {
    throw new SsekitError(
      'invalid_field',
      'ssekit: `data` is required to publish (use null or "" for an empty payload).',
    );
  }
  if (id !== undefined) assertPublishId(id);
  return { body: formatEvent({ event: name, data }, { serialize }), id };
}

/** A backend failure as `unavailable`, unless it is ssekit's own error already. @internal */
export function asUnavailable(err: unknown, what: string): SsekitError {
  if (err instanceof SsekitError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new SsekitError('unavailable', `ssekit: ${what} could not be reached (${detail}); retry the publish later.`, {
    cause: err,
  });
}
