import { SsekitError } from '../errors.js';

/**
 * One Server-Sent Event, as the fields the wire format knows.
 * See WHATWG HTML, "Server-sent events", §9.2.6 "Interpreting an event stream".
 */
export interface SseEvent {
  /**
   * The payload. A string is sent as is (any mix of `\n`, `\r\n` and `\r` becomes several
   * `data:` lines, which an `EventSource` joins back with `\n`); anything else goes through
   * `serialize` (by default `JSON.stringify`). Omitted: no `data:` line is written, which makes
   * an id-only or retry-only block, for which browsers dispatch no event; `''` is dispatched
   * with empty data.
   */
  data?: unknown;
  /** The event type (`event:` line). Must not hold CR, LF or a lone surrogate. */
  event?: string;
  /**
   * The event id (`id:` line). Must not hold CR, LF, NUL or a lone surrogate. The empty string
   * is written as `id: ` and resets the browser's last event id; `undefined` writes no line.
   */
  id?: string;
  /** Reconnection delay hint in milliseconds (`retry:` line): a non-negative safe integer. */
  retry?: number;
}

/** Options of {@link formatEvent} and {@link encodeEvent}. */
export interface FormatOptions {
  /**
   * Turns non-string `data` into text. It may return text with line breaks; they are split
   * into `data:` lines like any other.
   * @default JSON.stringify
   */
  serialize?: (data: unknown) => string;
}

// Lone surrogates cannot be encoded as UTF-8 (they become U+FFFD), so the value would change
// on the wire; an id that changes cannot be resumed from.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LINE_BREAK = /[\r\n]/;
const LINE_BREAKS = /\r\n|\r|\n/;
const ID_FORBIDDEN = /[\r\n\0]/;

/**
 * Throws `invalid_field` unless `event` can be written as an `event:` line.
 * @param event - the event type to check.
 */
export function assertEventName(event: string): void {
  if (typeof event !== 'string') {
    throw new SsekitError('invalid_field', 'ssekit: `event` must be a string.');
  }
  if (LINE_BREAK.test(event)) {
    throw new SsekitError(
      'invalid_field',
      'ssekit: `event` must not contain CR or LF (it would inject fields into the stream); remove the line break.',
    );
  }
  if (LONE_SURROGATE.test(event)) {
    throw new SsekitError(
      'invalid_field',
      'ssekit: `event` holds a lone surrogate, which UTF-8 cannot carry; fix the string.',
    );
  }
}

/**
 * Throws `invalid_field` unless `id` can be written as an `id:` line that a browser keeps.
 * @param id - the event id to check.
 */
export function assertEventId(id: string): void {
  if (typeof id !== 'string') {
    throw new SsekitError('invalid_field', 'ssekit: `id` must be a string.');
  }
  if (ID_FORBIDDEN.test(id)) {
    throw new SsekitError(
      'invalid_field',
      'ssekit: `id` must not contain CR, LF (field injection) or NUL (browsers ignore such ids); remove that character.',
    );
  }
  if (LONE_SURROGATE.test(id)) {
    throw new SsekitError(
      'invalid_field',
      'ssekit: `id` holds a lone surrogate, which UTF-8 cannot carry; fix the string.',
    );
  }
}

/**
 * Throws `invalid_field` unless `retry` is a non-negative safe integer.
 * @param retry - the reconnection delay in milliseconds.
 */
export function assertRetry(retry: number): void {
  if (!Number.isSafeInteger(retry) || retry < 0) {
    throw new SsekitError(
      'invalid_field',
      `ssekit: \`retry\` must be a non-negative safe integer of milliseconds, got ${String(retry)}.`,
    );
  }
}

function dataLines(text: string): string {
  // Fast path: a single line needs no split (JSON.stringify never emits a raw CR or LF).
  if (!LINE_BREAK.test(text)) return `data: ${text}\n`;
  // Most multi-line text has LF only; a plain string split is about twice as fast as a regex.
  const lines = text.includes('\r') ? text.split(LINE_BREAKS) : text.split('\n');
  return `data: ${lines.join('\ndata: ')}\n`;
}

// JSON.stringify throws a TypeError for a BigInt or a cycle, a RangeError when the value nests
// deeper than the stack allows, and rethrows a throwing toJSON; ssekit throws only SsekitError,
// so each is an invalid field, named for its cause.
function toJson(data: unknown): string | undefined {
  try {
    return JSON.stringify(data);
  } catch (cause) {
    throw new SsekitError('invalid_field', `ssekit: \`data\` cannot be turned into JSON: ${jsonFailure(cause)}.`, {
      cause,
    });
  }
}

function jsonFailure(cause: unknown): string {
  const message = cause instanceof Error ? cause.message : '';
  if (cause instanceof RangeError) return 'it nests too deeply; flatten it, or send a string';
  if (/BigInt/i.test(message)) return 'it holds a BigInt; convert it to a string or a number';
  if (/circular/i.test(message)) return 'it holds a circular reference; remove the cycle';
  return 'its toJSON threw; fix it, send a string, or pass `serialize`';
}

function serializeData(data: unknown, serialize: ((data: unknown) => string) | undefined): string {
  if (typeof data === 'string') return dataLines(data);
  if (serialize === undefined) {
    const json = toJson(data);
    if (json === undefined) {
      throw new SsekitError(
        'invalid_field',
        'ssekit: `data` has no JSON form (a function, a symbol or undefined); send a string or a JSON value.',
      );
    }
    return `data: ${json}\n`;
  }
  const text = serialize(data);
  if (typeof text !== 'string') {
    throw new SsekitError('invalid_field', 'ssekit: the `serialize` option must return a string.');
  }
  return dataLines(text);
}

/**
 * Formats one complete event block, ending in a blank line, with LF line endings.
 *
 * Every field is checked before anything is produced, so a bad field throws
 * `SsekitError('invalid_field')` and nothing partial can reach a stream.
 *
 * @param event - the fields to write.
 * @param options - how to serialize non-string `data`.
 * @returns the block, e.g. `event: tick\nid: 7\ndata: {"n":7}\n\n`.
 * @throws SsekitError `invalid_field` for a field that cannot be written safely.
 *
 * @example
 * ```ts
 * formatEvent({ event: 'greeting', data: 'hello\nworld' });
 * // 'event: greeting\ndata: hello\ndata: world\n\n'
 * ```
 */
export function formatEvent(event: SseEvent, options?: FormatOptions): string {
  let out = '';
  if (event.event !== undefined) {
    assertEventName(event.event);
    out += `event: ${event.event}\n`;
  }
  if (event.id !== undefined) {
    assertEventId(event.id);
    out += `id: ${event.id}\n`;
  }
  if (event.retry !== undefined) {
    assertRetry(event.retry);
    out += `retry: ${event.retry}\n`;
  }
  if (event.data !== undefined) out += serializeData(event.data, options?.serialize);
  return `${out}\n`;
}

/**
 * Formats a comment: one `:` line per line of `text` (split on CRLF, LF and CR), so a comment
 * can never inject a field. Browsers ignore comments; they keep idle connections alive.
 *
 * @param text - the comment; omitted or empty gives a bare `:` line.
 * @returns e.g. `: keep-alive\n`.
 */
export function formatComment(text?: string): string {
  if (text === undefined || text === '') return ':\n';
  return `: ${text.split(LINE_BREAKS).join('\n: ')}\n`;
}

const utf8 = new TextEncoder();

/**
 * {@link formatEvent}, as UTF-8 bytes ready for a socket.
 * @param event - the fields to write.
 * @param options - how to serialize non-string `data`.
 * @throws SsekitError `invalid_field` for a field that cannot be written safely.
 */
export function encodeEvent(event: SseEvent, options?: FormatOptions): Uint8Array {
  return utf8.encode(formatEvent(event, options));
}

/**
 * {@link formatComment}, as UTF-8 bytes ready for a socket.
 * @param text - the comment.
 */
export function encodeComment(text?: string): Uint8Array {
  return utf8.encode(formatComment(text));
}
