/** What `pipe` reads from: an async iterable (an async generator, a Node stream) or a Fetch `ReadableStream`. */
export type PipeSource<TItem> = AsyncIterable<TItem> | ReadableStream<TItem>;

/**
 * An iterator over `source` whose `return()` stops it: the generator's `finally` runs, the
 * `ReadableStream` is cancelled. @internal
 */
export function iterate<TItem>(source: PipeSource<TItem>): AsyncIterator<TItem> {
  // A Fetch stream by its reader: not every runtime makes ReadableStream async-iterable.
  if (!('getReader' in source)) return source[Symbol.asyncIterator]();
  const reader = source.getReader();
  return {
    async next() {
      const { done, value } = await reader.read();
      return done ? { done: true, value: undefined } : { done: false, value };
    },
    async return() {
      await reader.cancel();
      return { done: true, value: undefined };
    },
  };
}

/** A failure's text for clients: never the error's own message, which may hold internals. @internal */
export const SOURCE_FAILED = 'the source of this stream failed';
