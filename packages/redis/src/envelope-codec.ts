import { SsekitError } from '@ssekit/core';
import type { Envelope } from '@ssekit/core';

/**
 * The bus's wire format: `2\n<origin>\n<topic>\n<id>\n<flags>\n<body>`, where flags is `f` for
 * a topic's final event and empty otherwise. The version comes first; origin, topic, id and
 * flags never hold a line break (their grammars forbid it), so the body, which may hold
 * anything, simply runs to the end. The append script fills in the id it assigns between the
 * two parts {@link envelopeAround} gives it, so this file is the format's only definition.
 * Version 1 (no flags) is still read, from processes not yet upgraded.
 */
const VERSION = '2';

/**
 * The text of an envelope before and after its id.
 * @throws SsekitError `invalid_field` when origin or topic holds a line break.
 */
export function envelopeAround(
  origin: string,
  topic: string,
  body: string,
  final = false,
): { head: string; tail: string } {
  if (origin.includes('\n') || topic.includes('\n')) {
    throw new SsekitError('invalid_field', 'ssekit: an envelope origin or topic must not contain a line break.');
  }
  return { head: `${VERSION}\n${origin}\n${topic}\n`, tail: `\n${final ? 'f' : ''}\n${body}` };
}

/**
 * Encodes an envelope for the Redis channel.
 * @throws SsekitError `invalid_field` when origin, topic or id holds a line break.
 */
export function encodeEnvelope(envelope: Envelope): string {
  if (envelope.id.includes('\n')) {
    throw new SsekitError('invalid_field', 'ssekit: an envelope id must not contain a line break.');
  }
  const { head, tail } = envelopeAround(envelope.origin, envelope.topic, envelope.body, envelope.final === true);
  return head + envelope.id + tail;
}

/** Decodes a channel message; `undefined` when it is not an envelope of this format. */
export function decodeEnvelope(message: string): Envelope | undefined {
  const a = message.indexOf('\n');
  const version = a < 0 ? '' : message.slice(0, a);
  if (version !== VERSION && version !== '1') return undefined;
  const b = message.indexOf('\n', a + 1);
  const c = b < 0 ? -1 : message.indexOf('\n', b + 1);
  const d = c < 0 ? -1 : message.indexOf('\n', c + 1);
  if (d < 0) return undefined;
  const envelope = { origin: message.slice(a + 1, b), topic: message.slice(b + 1, c), id: message.slice(c + 1, d) };
  if (version === '1') return { ...envelope, body: message.slice(d + 1) };
  const e = message.indexOf('\n', d + 1);
  if (e < 0) return undefined;
  const body = message.slice(e + 1);
  return message.slice(d + 1, e) === 'f' ? { ...envelope, body, final: true } : { ...envelope, body };
}
