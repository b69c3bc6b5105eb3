import { Writable } from 'node:stream';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';

/** Listens on 127.0.0.1, a free port; resolves the base URL. */
export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return `http://127.0.0.1:${address.port}`;
}

/** What a pino logger wrote, one parsed object per line. */
export interface LogCapture {
  stream: Writable;
  lines: Record<string, unknown>[];
}

export function captureLog(): LogCapture {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      callback();
    },
  });
  return { stream, lines };
}

/** The handler of an `{ sse }` route that has nothing more to do once its stream is open. */
export function streamOpen(request: { log: FastifyBaseLogger }): void {
  request.log.debug('stream open');
}

/** Response headers without the ones that vary (date) and without symbol keys. */
export function stableHeaders(headers: object): Record<string, unknown> {
  const plain: Record<string, unknown> = Object.fromEntries(Object.entries(headers));
  delete plain.date;
  return plain;
}

/** Fastify's default error body. */
export function fastifyError(statusCode: number, error: string, message: string, code?: string): string {
  return JSON.stringify(code === undefined ? { statusCode, error, message } : { statusCode, code, error, message });
}
