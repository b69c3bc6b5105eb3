import type { HttpAnswer } from '@ssekit/core';
import { sseHeaders } from './headers.js';
import type { NodeRequest } from './headers.js';
import type { NodeResponse } from './node-sink.js';

/**
 * Writes a complete answer: a refusal, a preflight, or the retry answer over a connection limit
 * (an event-stream body, sent with the stream headers and `extra`). A response that already
 * started is only ended.
 * @param req - the request.
 * @param res - its response.
 * @param answer - what to send.
 * @param extra - the stream's extra headers, for an event-stream answer.
 */
export function writeAnswer(
  req: NodeRequest,
  res: NodeResponse,
  answer: HttpAnswer,
  extra?: Readonly<Record<string, string>>,
): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  // Headers set on the response earlier (a framework's, CORS) were meant for another answer.
  if (answer.stream) res.removeHeader('retry-after');
  const headers: Record<string, string> = answer.stream
    ? { ...sseHeaders(req, { ...extra, ...answer.headers }) }
    : { ...answer.headers };
  headers['content-length'] = String(Buffer.byteLength(answer.body));
  res.writeHead(answer.status, headers);
  res.end(answer.body);
}
