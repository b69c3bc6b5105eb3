import type { SseStream } from './stream.js';
import { SOURCE_FAILED, iterate } from './source.js';
import type { PipeSource } from './source.js';

/** One event a piped stream sends, checked against the stream's event map. */
export type StreamEvent<TEvents extends object> =
  | {
      [K in keyof TEvents & string]: { event: K; data: TEvents[K]; id?: string };
    }[keyof TEvents & string]
  | { event?: undefined; data: unknown; id?: string };

/** Options of {@link SseStream.pipe}. */
export interface StreamPipeOptions<TEvent, TItem> {
  /**
   * Turns one item into the event sent.
   * @default an unnamed event whose data is the item
   */
  map?(item: TItem, index: number): NoInfer<TEvent>;
  /**
   * The event sent when the source throws, before the stream ends; its data should not carry
   * the error's own message, which may hold internals.
   * @default `{ event: 'error', data: { message: 'the source of this stream failed' } }`
   */
  error?(error: unknown): NoInfer<TEvent>;
  /** End the stream once the source is done (or failed). @default true */
  close?: boolean;
}

/** What {@link SseStream.pipe} resolves to. */
export interface StreamPipeResult {
  /** Items sent. */
  sent: number;
  /** True when the client left (or the stream ended otherwise) before the source was done. */
  cancelled: boolean;
  /** What the source (or `map`) threw, if it did. */
  error?: unknown;
}

/**
 * Sends every item of `source` to one stream, pacing the source by the socket: after a write the
 * transport refused, it waits for the drain. When the stream ends (the client left), the
 * source's iterator is stopped (`return()`), so a generator's `finally` runs. @internal
 */
export async function pipeToStream<TItem, TEvent>(
  stream: SseStream<object>,
  source: PipeSource<TItem>,
  options: StreamPipeOptions<TEvent, TItem> = {},
): Promise<StreamPipeResult> {
  const send = (event: unknown): boolean => stream.send(event as Parameters<SseStream<object>['send']>[0]);
  const iterator = iterate(source);
  const stop = (): void => {
    if (iterator.return !== undefined) void Promise.resolve(iterator.return()).catch(() => undefined);
  };
  stream.signal.addEventListener('abort', stop, { once: true });
  let sent = 0;
  let failure: { error: unknown } | undefined;
  try {
    for (;;) {
      if (stream.closed) return { sent, cancelled: true };
      let next: IteratorResult<TItem>;
      try {
        next = await iterator.next();
      } catch (error) {
        failure = { error };
        break;
      }
      if (next.done === true) break;
      // The client may have left while the source was producing this item.
      if (isClosed(stream)) return { sent, cancelled: true };
      try {
        send(options.map === undefined ? { data: next.value } : options.map(next.value, sent));
      } catch (error) {
        failure = { error };
        stop();
        break;
      }
      sent++;
      if (!(await stream.whenWritable())) return { sent, cancelled: true };
    }
  } finally {
    stream.signal.removeEventListener('abort', stop);
  }
  if (failure !== undefined) {
    stream.send(
      options.error?.(failure.error) ?? { event: 'error' as never, data: { message: SOURCE_FAILED } as never },
    );
  }
  if (options.close !== false) await stream.close('server');
  return failure === undefined ? { sent, cancelled: false } : { sent, cancelled: false, error: failure.error };
}

// Read afresh after an await: the stream may have ended meanwhile, which a narrowed copy hides.
function isClosed(stream: SseStream<object>): boolean {
  return stream.closed;
}
