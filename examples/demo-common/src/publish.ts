import { SsekitError, assertTopic } from '@ssekit/core';

/** The largest publish body a demo accepts, in bytes. */
export const MAX_PUBLISH_BYTES = 1024 * 1024;

/** A checked `POST /publish` body. */
export interface PublishBody {
  topic: string;
  event: string | undefined;
  data: unknown;
  id: string | undefined;
}

/**
 * Checks a `POST /publish` body (`{ topic?, event?, data, id? }`) as a whole: a bad body
 * throws an `SsekitError` (400, or 413 for size) and nothing is published. Field rules the hub
 * enforces itself (line breaks, NUL, reserved names, the id grammar) are checked again there,
 * before anything is stored.
 * @param raw - the body as received.
 */
export function parsePublishBody(raw: Uint8Array | string): PublishBody {
  const size = typeof raw === 'string' ? Buffer.byteLength(raw) : raw.byteLength;
  if (size > MAX_PUBLISH_BYTES) {
    throw new SsekitError('payload_too_large', `ssekit: the body is over ${MAX_PUBLISH_BYTES} bytes.`);
  }
  let text: string;
  try {
    text = typeof raw === 'string' ? raw : new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    throw new SsekitError('invalid_field', 'ssekit: the body is not valid UTF-8.');
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new SsekitError('invalid_field', 'ssekit: the body is not JSON; send {"data": ...}.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SsekitError('invalid_field', 'ssekit: the body must be a JSON object like {"data": ...}.');
  }
  const { topic = 'default', event, data, id } = body as Record<string, unknown>;
  if (data === undefined) throw new SsekitError('invalid_field', 'ssekit: the body has no `data`.');
  if (typeof topic !== 'string') throw new SsekitError('invalid_topic', 'ssekit: `topic` must be a string.');
  assertTopic(topic);
  if (event !== undefined && typeof event !== 'string') {
    throw new SsekitError('invalid_field', 'ssekit: `event` must be a string.');
  }
  if (id !== undefined && typeof id !== 'string')
    throw new SsekitError('invalid_field', 'ssekit: `id` must be a string.');
  return { topic, event, data, id };
}
