import type { SseStream } from './stream.js';

/**
 * Ends `stream` with reason `'client'` when `signal` aborts (a Fetch `request.signal`, say), and
 * forgets `signal` when the stream ends first. @internal
 */
export function closeOnAbort(stream: SseStream<object>, signal: AbortSignal | undefined): void {
  if (signal === undefined) return;
  if (signal.aborted) {
    void stream.close('client');
    return;
  }
  const onAbort = (): void => {
    void stream.close('client');
  };
  signal.addEventListener('abort', onAbort, { once: true });
  stream.signal.addEventListener('abort', () => signal.removeEventListener('abort', onAbort), { once: true });
}
