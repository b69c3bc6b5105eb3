import { SsekitError, assertTopic } from '@ssekit/core';
import type { Hub, PublishResult } from '@ssekit/core';

/** The largest publish body a demo accepts, in bytes. */
export const MAX_PUBLISH_BYTES = 1024 * 1024;

/** A checked `POST /publish` body. */
export interface PublishBody {
  topic: string;
  event: string | undefined;
  data: unknown;
  id: string | undefined;
  /** True for the topic's last event (the topic completes). */
  final: boolean;
}

/**
 * Checks a `POST /publish` body (`{ topic?, event?, data, id?, final? }`) as a whole: a bad body
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
  assertShallow(text);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new SsekitError('invalid_field', 'ssekit: the body is not JSON; send {"data": ...}.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SsekitError('invalid_field', 'ssekit: the body must be a JSON object like {"data": ...}.');
  }
  const { topic = 'default', event, data, id, final = false } = body as Record<string, unknown>;
  if (data === undefined) throw new SsekitError('invalid_field', 'ssekit: the body has no `data`.');
  if (typeof topic !== 'string') throw new SsekitError('invalid_topic', 'ssekit: `topic` must be a string.');
  assertTopic(topic);
  if (event !== undefined && typeof event !== 'string') {
    throw new SsekitError('invalid_field', 'ssekit: `event` must be a string.');
  }
  if (id !== undefined && typeof id !== 'string')
    throw new SsekitError('invalid_field', 'ssekit: `id` must be a string.');
  if (typeof final !== 'boolean') throw new SsekitError('invalid_field', 'ssekit: `final` must be true or false.');
  return { topic, event, data, id, final };
}

/**
 * Publishes a checked body: `POST /publish` in every demo.
 * @param hub - the demo's hub.
 * @param body - what {@link parsePublishBody} returned.
 * @throws SsekitError from the hub: `completed` (409) after the topic's final event, `unavailable`.
 */
export function publishBody(hub: Hub, body: PublishBody): Promise<PublishResult> {
  return hub.publish(body.topic, { event: body.event, data: body.data, id: body.id, final: body.final });
}

/** How deep a publish body's JSON may nest. */
export const MAX_PUBLISH_DEPTH = 64;

/**
 * Refuses JSON that nests deeper than {@link MAX_PUBLISH_DEPTH}, in one pass over the text and
 * before it is parsed: a megabyte of `[` would otherwise cost the parser, then the serializer,
 * a long stall of the event loop each.
 */
function assertShallow(text: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > MAX_PUBLISH_DEPTH) {
        throw new SsekitError(
          'invalid_field',
          `ssekit: the body nests deeper than ${MAX_PUBLISH_DEPTH} levels; flatten it.`,
        );
      }
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
}
