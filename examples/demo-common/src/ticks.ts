import type { SseStream } from '@ssekit/core';

/**
 * Drives a `/ticks` stream: `id: N`, `data: tick N`, N from `start`, one every `tickMs`, the
 * first at once; stops when the stream ends.
 * @param stream - a hand-driven stream.
 * @param tickMs - the interval.
 * @param lastEventId - the client's `Last-Event-ID`, to continue counting after it.
 */
export function runTicks(stream: SseStream, tickMs: number, lastEventId: string | undefined): void {
  let n = lastEventId !== undefined && /^\d{1,15}$/.test(lastEventId) ? Number(lastEventId) + 1 : 0;
  const tick = (): void => {
    stream.send({ id: String(n), data: `tick ${n}` });
    n++;
  };
  tick();
  const timer = setInterval(tick, tickMs);
  stream.signal.addEventListener(
    'abort',
    () => {
      clearInterval(timer);
    },
    { once: true },
  );
}
