import { SsekitError } from '@ssekit/core';
import type { Envelope } from '@ssekit/core';

/**
 * The bus's wire format: `1\n<origin>\n<topic>\n<id>\n<frame>`. The version comes first; origin,
 * topic and id never hold a line break (their grammars forbid it), so the frame, which may hold
 * anything, simply runs to the end. The append script writes the same bytes.
 */
const VERSION = '1';

/**
 * Encodes an envelope for the Redis channel.
 * @throws SsekitError `invalid_field` when origin, topic or id holds a line break.
 */
export function encodeEnvelope(envelope: Envelope): string {
  const { origin, topic, id, frame } = envelope;
  if (origin.includes('\n') || topic.includes('\n') || id.includes('\n')) {
    throw new SsekitError('invalid_field', 'ssekit: an envelope origin, topic or id must not contain a line break.');
  }
  return `${VERSION}\n${origin}\n${topic}\n${id}\n${frame}`;
}

/** Decodes a channel message; `undefined` when it is not an envelope of this format. */
export function decodeEnvelope(message: string): Envelope | undefined {
  const a = message.indexOf('\n');
  if (a < 0 || message.slice(0, a) !== VERSION) return undefined;
  const b = message.indexOf('\n', a + 1);
  const c = b < 0 ? -1 : message.indexOf('\n', b + 1);
  const d = c < 0 ? -1 : message.indexOf('\n', c + 1);
  if (d < 0) return undefined;
  return {
    origin: message.slice(a + 1, b),
    topic: message.slice(b + 1, c),
    id: message.slice(c + 1, d),
    frame: message.slice(d + 1),
  };
}
