import http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { Writable } from 'node:stream';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';

/** Listens on 127.0.0.1, a free port; resolves the base URL. */
export async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no TCP address');
  return `http://127.0.0.1:${address.port}`;
}

/** A plain answer, read whole, over a fresh connection. */
export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

export function get(url: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Waits until `check` holds, polling; throws with `what` after the deadline. */
export async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
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

/** The message of the error `fn` throws, to compare whole bodies with. */
export function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a throw');
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
