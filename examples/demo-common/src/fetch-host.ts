import { SsekitError } from '@ssekit/core';
import { MAX_PUBLISH_BYTES } from './publish.js';

function tooLarge(): SsekitError {
  return new SsekitError('payload_too_large', `ssekit: the body is over ${MAX_PUBLISH_BYTES} bytes.`);
}

// How much of a refused body is read and dropped so that the 413 reaches its client; past that
// the connection is cut, and a client still sending sees a reset instead of the answer.
const DRAIN_BYTES = 4 * MAX_PUBLISH_BYTES;

/**
 * Reads a `POST /publish` body from a Fetch `Request` (Hono, Bun, Deno), refusing it (413) when
 * it is declared or found to be over {@link MAX_PUBLISH_BYTES}. `request.arrayBuffer()` would
 * buffer any size first; here what is past the limit is read and dropped, not kept.
 * @param request - the request.
 */
export async function readRequestBody(request: Request): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (request.body !== null) {
    // Reading on past the limit lets the 413 reach the client: a runtime that answers while the
    // request is still arriving closes the connection under it (Bun and @hono/node-server do), and
    // the client, its data unread, gets a reset that destroys the answer on the way. A body
    // declared too large is read the same way, kept of none of it.
    const declared = Number(request.headers.get('content-length') ?? 0);
    const keep = declared <= MAX_PUBLISH_BYTES;
    for await (const chunk of request.body) {
      size += chunk.byteLength;
      if (keep && size <= MAX_PUBLISH_BYTES) chunks.push(chunk);
      if (size > DRAIN_BYTES) break;
    }
    if (!keep) throw tooLarge();
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
