import { assertRetry } from './encoder.js';
import { Heartbeat } from './heartbeat.js';
import type { Sink } from './sink.js';
import { SseStream } from './stream.js';
import type { StreamObserver, StreamOptions } from './stream.js';

/** Options of {@link createStream}. */
export interface CreateStreamOptions extends StreamOptions {
  /** The `retry:` hint written first, in ms; `undefined` sends none. @default undefined */
  retry?: number;
  /** Comment interval on idle streams, ms; 0 turns it off. @default 15000 */
  heartbeatMs?: number;
  /** A transport that has not drained for this long ends the stream; 0 turns it off. @default 30000 */
  writeTimeoutMs?: number;
}

// Streams with the same timing share one timer, as a hub's streams do.
const schedulers = new Map<string, Heartbeat>();

function schedulerFor(heartbeatMs: number, writeTimeoutMs: number): Heartbeat {
  const key = `${heartbeatMs}/${writeTimeoutMs}`;
  let scheduler = schedulers.get(key);
  if (scheduler === undefined) {
    scheduler = new Heartbeat({ intervalMs: heartbeatMs, writeTimeoutMs, comment: '' });
    schedulers.set(key, scheduler);
  }
  return scheduler;
}

/**
 * Opens one hand-driven stream on a sink, without a hub: the application calls `send()` and
 * `close()`, and gets the same bounded backlog, heartbeats, write deadline and single cleanup
 * path as a hub's subscribers. Adapters wrap this (`openStream(req, res)` in `@ssekit/node`).
 *
 * @param sink - where the bytes go.
 * @param options - retry hint, heartbeat, budget and policy.
 * @returns the stream; its `signal` aborts when it ends for any reason.
 */
export function createStream<TEvents extends object = Record<string, unknown>>(
  sink: Sink,
  options: CreateStreamOptions = {},
): SseStream<TEvents> {
  if (options.retry !== undefined) assertRetry(options.retry);
  const heartbeat = schedulerFor(options.heartbeatMs ?? 15_000, options.writeTimeoutMs ?? 30_000);
  const observer: StreamObserver = {
    clock: heartbeat,
    dropped: () => undefined,
    queued: () => undefined,
    ended: (stream: SseStream<object>) => {
      heartbeat.delete(stream);
    },
  };
  const stream = new SseStream<TEvents>(sink, options, observer);
  heartbeat.add(stream);
  if (options.retry !== undefined) stream.send({ retry: options.retry });
  stream.flush();
  return stream;
}
