import { utf8Encode } from './bytes.js';
import { assertRetry } from './encoder.js';

/**
 * The wire block of a stored event: its `id:` line, then the body the hub formatted at publish.
 * The one place an id is put on a frame: stores keep `(topic, id, body)` and never see the wire.
 * @internal
 */
export function eventFrame(id: string, body: string): string {
  return `id: ${id}\n${body}`;
}

/**
 * A `retry:` hint as a lone field line, with no blank line after it. A parser applies `retry`
 * as soon as it reads the line; a blank line would end an event block that holds no data,
 * which clients that dispatch on every blank line (`@microsoft/fetch-event-source`) hand to
 * the app as an empty message nobody published. The line joins the next event's block instead,
 * where it changes nothing of that event.
 * @internal
 */
export function retryLine(retry: number): string {
  assertRetry(retry);
  return `retry: ${retry}\n`;
}

/**
 * The first bytes of a stream: its `retry:` hint ({@link retryLine}). @internal
 */
export function openingBytes(retry: number): Uint8Array {
  return utf8Encode(retryLine(retry));
}
