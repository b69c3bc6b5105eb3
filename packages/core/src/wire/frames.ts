import { utf8Encode } from './bytes.js';
import { formatEvent } from './encoder.js';

/**
 * The wire block of a stored event: its `id:` line, then the body the hub formatted at publish.
 * The one place an id is put on a frame: stores keep `(topic, id, body)` and never see the wire.
 * @internal
 */
export function eventFrame(id: string, body: string): string {
  return `id: ${id}\n${body}`;
}

/**
 * The first bytes of a stream: its `retry:` hint. @internal
 */
export function openingBytes(retry: number): Uint8Array {
  return utf8Encode(formatEvent({ retry }));
}
