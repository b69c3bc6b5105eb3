import { sseResponse } from '@ssekit/web';

export function clock(request: Request): Response {
  return sseResponse(
    request,
    (stream) => {
      const timer = setInterval(() => stream.send({ data: new Date().toISOString() }), 1000);
      stream.signal.addEventListener('abort', () => clearInterval(timer)); // client gone, or closed
    },
    { retry: 3000 },
  );
}
