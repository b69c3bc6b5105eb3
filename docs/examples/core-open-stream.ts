import { openStream } from '@ssekit/core';
import type { Sink } from '@ssekit/core';

export function clock(sink: Sink): void {
  const stream = openStream<{ time: string }>(sink, { retry: 3000, heartbeatMs: 15_000 });
  const timer = setInterval(() => stream.send({ event: 'time', data: new Date().toISOString() }), 1000);
  stream.signal.addEventListener('abort', () => clearInterval(timer)); // ended, for any reason
}
