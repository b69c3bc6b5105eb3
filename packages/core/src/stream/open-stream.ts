import { assertRetry } from '../wire/encoder.js';
import { openingBytes } from '../wire/frames.js';
import { closeOnAbort } from './close-on-abort.js';
import type { Sink } from './sink.js';
import { SseStream } from './stream.js';
import type { StreamOptions, StreamOwner } from './stream.js';
import { Ticker } from './ticker.js';

/** Options of {@link openStream}. */
export interface OpenStreamOptions extends StreamOptions {
  /** The `retry:` hint written first, in ms; `undefined` sends none. @default undefined */
  retry?: number;
  /** Comment interval on idle streams, ms; 0 turns it off. @default 15000 */
  heartbeatMs?: number;
  /** A transport that has not drained for this long ends the stream; 0 turns it off. @default 30000 */
  writeTimeoutMs?: number;
  /** Aborting it ends the stream with reason `'client'` (e.g. a Fetch `request.signal`). */
  signal?: AbortSignal;
}

// Hand-driven streams with the same timing share one ticker (and one owner), as a hub's do.
const owners = new Map<string, StreamOwner>();

function ownerFor(heartbeatMs: number, writeTimeoutMs: number): StreamOwner {
  const key = `${heartbeatMs}/${writeTimeoutMs}`;
  let owner = owners.get(key);
  if (owner === undefined) {
    const ticker = new Ticker({ intervalMs: heartbeatMs, writeTimeoutMs, comment: '' });
    owner = {
      ticker,
      dropped: () => undefined,
      queued: () => undefined,
      ended: (stream) => {
        ticker.delete(stream);
      },
    };
    owners.set(key, owner);
  }
  return owner;
}

/**
 * Opens one hand-driven stream on a sink, without a hub: the application calls `send()` and
 * `close()`, and gets the same bounded backlog, heartbeats, write deadline and single cleanup
 * path as a hub's subscribers. Adapters wrap this (`openStream(req, res)` in `@ssekit/node`).
 *
 * @example
 * ```ts
 * const stream = openStream(sink, { retry: 3000 });
 * const timer = setInterval(() => stream.send({ data: new Date().toISOString() }), 1000);
 * stream.signal.addEventListener('abort', () => clearInterval(timer));
 * ```
 *
 * @param sink - where the bytes go.
 * @param options - retry hint, heartbeat, budget and policy.
 * @returns the stream; its `signal` aborts when it ends for any reason.
 * @throws SsekitError `invalid_field` for a bad `retry`, `invalid_option` for a bad budget.
 */
export function openStream<TEvents extends object = Record<string, unknown>>(
  sink: Sink,
  options: OpenStreamOptions = {},
): SseStream<TEvents> {
  if (options.retry !== undefined) assertRetry(options.retry);
  const owner = ownerFor(options.heartbeatMs ?? 15_000, options.writeTimeoutMs ?? 30_000);
  const stream = new SseStream<TEvents>(sink, options, owner);
  owner.ticker.add(stream);
  if (options.retry !== undefined) stream.enqueue(openingBytes(options.retry));
  stream.flush();
  closeOnAbort(stream, options.signal);
  return stream;
}
