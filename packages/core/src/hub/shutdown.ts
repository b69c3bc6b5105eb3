import type { SseStream } from '../stream/stream.js';
import { utf8Encode } from '../wire/bytes.js';
import { formatEvent } from '../wire/encoder.js';
import type { FormatOptions } from '../wire/encoder.js';
import { retryLine } from '../wire/frames.js';
import type { HubCloseOptions } from './hub-types.js';

/**
 * Ends every stream for `hub.close()`: the optional last event and `retry:` hint (jittered per
 * stream, so clients do not all come back at once) go out before the end.
 * @returns one promise per stream, settled when its sink has ended. @internal
 */
export function endStreams(
  streams: Iterable<SseStream<object>>,
  options: HubCloseOptions,
  serialize: FormatOptions['serialize'],
): Promise<void>[] {
  const last = options.event !== undefined ? formatEvent(options.event, { serialize }) : '';
  const jitter = options.retryJitterMs ?? 0;
  const endings: Promise<void>[] = [];
  for (const stream of [...streams]) {
    const retry =
      options.retry === undefined ? '' : retryLine(options.retry + Math.floor(Math.random() * (jitter + 1)));
    if (last !== '' || retry !== '') stream.enqueue(utf8Encode(last + retry));
    endings.push(stream.close('shutdown'));
  }
  return endings;
}
