import { SsekitError } from '@ssekit/core';
import { MAX_PUBLISH_BYTES } from './publish.js';

function tooLarge(): SsekitError {
  return new SsekitError('payload_too_large', `ssekit: the body is over ${MAX_PUBLISH_BYTES} bytes.`);
}

/**
 * Reads a `POST /publish` body from a Fetch `Request` (Hono, Bun, Deno), refusing it (413) when
 * it is declared or found to be over {@link MAX_PUBLISH_BYTES}. `request.arrayBuffer()` would
 * buffer any size first; here what is past the limit is read and dropped, not kept.
 * @param request - the request.
 */
export async function readRequestBody(request: Request): Promise<Uint8Array> {
  if (Number(request.headers.get('content-length') ?? 0) > MAX_PUBLISH_BYTES) throw tooLarge();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body !== null) {
    // Reading on past the limit lets the 413 reach the client: cancelling the body would close
    // the connection under a client still sending, which then sees a reset, not the answer.
    for await (const chunk of request.body) {
      size += chunk.byteLength;
      if (size <= MAX_PUBLISH_BYTES) chunks.push(chunk);
    }
  }
  if (size > MAX_PUBLISH_BYTES) throw tooLarge();
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
