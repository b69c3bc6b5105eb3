import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * A refusal with its HTTP status. ssekit answers any error that has a numeric `status` (and
 * optional `headers`) with that status and `{ "error": message }`: from a `topics` or
 * `authorize` hook, and through `sendError` in a route.
 */
export class HttpError extends Error {
  /**
   * @param status - a 4xx or 5xx.
   * @param message - what the client is told.
   * @param headers - more headers for the answer.
   */
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/** Answers `body` as JSON. */
export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/**
 * Reads a JSON body of at most `limit` bytes; an empty body is `{}`.
 * @throws HttpError 413 past the limit (and the connection closes: the rest is not read), 400 when it is not JSON.
 */
export async function readJson(req: IncomingMessage, limit = 16 * 1024): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > limit) throw new HttpError(413, `the body is over ${limit} bytes`, { connection: 'close' });
    chunks.push(chunk);
  }
  if (size === 0) return {};
  try {
    return JSON.parse(Buffer.concat(chunks, size).toString('utf8'));
  } catch {
    throw new HttpError(400, 'the body is not JSON');
  }
}
