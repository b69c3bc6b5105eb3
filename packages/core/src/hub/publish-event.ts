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
  /** True for the topic's last event. */
  readonly final: boolean;
}

/**
 * Checks an event a caller publishes and formats its body, so a bad event throws before
 * anything is stored. Stricter than the wire: no NUL in the name, no reserved name, `data`
 * required, ids in the grammar clients can send back. @internal
 * @throws SsekitError `invalid_field`.
 */
export function preparePublish(event: unknown, serialize: FormatOptions['serialize']): PreparedEvent {
  const { event: name, data, id, final } = event as { event?: string; data?: unknown; id?: string; final?: unknown };
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
  if (final !== undefined && typeof final !== 'boolean') {
    throw new SsekitError('invalid_field', 'ssekit: `final` must be true or false.');
  }
  return { body: formatEvent({ event: name, data }, { serialize }), id, final: final === true };
}

/** A backend failure as `unavailable`, unless it is ssekit's own error already. @internal */
export function asUnavailable(err: unknown, what: string): SsekitError {
  if (err instanceof SsekitError) return err;
  // The detail stays in `cause`: the message may reach a client.
  return new SsekitError('unavailable', `ssekit: ${what} could not be reached; retry the publish later.`, {
    cause: err,
  });
}

/**
 * Checks the options of one publish.
 * @throws SsekitError `invalid_option` for a `ttlMs` that is not a non-negative integer.
 */
export function assertPublishOptions(options: { ttlMs?: unknown } | undefined): void {
  const ttl = options?.ttlMs;
  if (ttl !== undefined && (typeof ttl !== 'number' || !Number.isSafeInteger(ttl) || ttl < 0)) {
    throw new SsekitError('invalid_option', 'ssekit: publish `ttlMs` must be a non-negative integer of milliseconds.');
  }
}
