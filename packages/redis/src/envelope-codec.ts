import { SsekitError } from '@ssekit/core';
import type { Envelope } from '@ssekit/core';

/**
 * The bus's wire format: `2\n<origin>\n<topic>\n<id>\n<flags>\n<body>`, where flags is `f` for
 * a topic's final event and empty otherwise. The version comes first; origin, topic, id and
 * flags never hold a line break (their grammars forbid it), so the body, which may hold
 * anything, simply runs to the end. The append script fills in the id it assigns between the
 * two parts {@link envelopeAround} gives it, so this file is the format's only definition.
 * Version 1 (no flags) is still read, from processes not yet upgraded. Version 3, on a Redis
 * Cluster, adds the event's place in its ordering group after the flags:
 * `3\n<origin>\n<topic>\n<id>\n<flags>\n<seq>\n<body>`; the script fills in id and seq.
 */
const VERSION = '2';
const GROUPED = '3';

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
 * The text of a version 3 envelope around its id and its seq, which the append script fills in:
 * `head + id + middle + seq + tail`.
 * @throws SsekitError `invalid_field` when origin or topic holds a line break.
 */
export function groupedEnvelopeAround(
  origin: string,
  topic: string,
  body: string,
  final = false,
): { head: string; middle: string; tail: string } {
  const { head } = envelopeAround(origin, topic, body, final);
  return { head: GROUPED + head.slice(VERSION.length), middle: `\n${final ? 'f' : ''}\n`, tail: `\n${body}` };
}

/**
 * Encodes an envelope for the Redis channel (version 3 when it carries a `seq`).
 * @throws SsekitError `invalid_field` when origin, topic or id holds a line break.
 */
export function encodeEnvelope(envelope: Envelope): string {
  if (envelope.id.includes('\n')) {
    throw new SsekitError('invalid_field', 'ssekit: an envelope id must not contain a line break.');
  }
  const final = envelope.final === true;
  if (envelope.seq !== undefined) {
    const { head, middle, tail } = groupedEnvelopeAround(envelope.origin, envelope.topic, envelope.body, final);
    return head + envelope.id + middle + String(envelope.seq) + tail;
  }
  const { head, tail } = envelopeAround(envelope.origin, envelope.topic, envelope.body, final);
  return head + envelope.id + tail;
}

/** Decodes a channel message; `undefined` when it is not an envelope of this format. */
export function decodeEnvelope(message: string): Envelope | undefined {
  const a = message.indexOf('\n');
  const version = a < 0 ? '' : message.slice(0, a);
  if (version !== VERSION && version !== '1' && version !== GROUPED) return undefined;
  const b = message.indexOf('\n', a + 1);
  const c = b < 0 ? -1 : message.indexOf('\n', b + 1);
  const d = c < 0 ? -1 : message.indexOf('\n', c + 1);
  if (d < 0) return undefined;
  const envelope = { origin: message.slice(a + 1, b), topic: message.slice(b + 1, c), id: message.slice(c + 1, d) };
  if (version === '1') return { ...envelope, body: message.slice(d + 1) };
  const e = message.indexOf('\n', d + 1);
  if (e < 0) return undefined;
  const final = message.slice(d + 1, e) === 'f';
  if (version === GROUPED) {
    const f = message.indexOf('\n', e + 1);
    const seq = f < 0 ? NaN : Number(message.slice(e + 1, f));
    if (!Number.isSafeInteger(seq) || seq <= 0) return undefined;
    const body = message.slice(f + 1);
    return final ? { ...envelope, body, final: true, seq } : { ...envelope, body, seq };
  }
  const body = message.slice(e + 1);
  return final ? { ...envelope, body, final: true } : { ...envelope, body };
}
