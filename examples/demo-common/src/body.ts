import type { IncomingMessage } from 'node:http';
import { SsekitError } from '@ssekit/core';
import { MAX_PUBLISH_BYTES } from './publish.js';

function tooLarge(): SsekitError {
  return new SsekitError('payload_too_large', `ssekit: the body is over ${MAX_PUBLISH_BYTES} bytes.`);
}

// How much of a refused body is read and dropped so that the 413 reaches its client; past that
// the answer goes at once, and a client still sending may see a reset instead of it.
const DRAIN_BYTES = 4 * MAX_PUBLISH_BYTES;

/**
 * Reads a `POST /publish` body from a node:http request, refusing it (413) when it is declared or
 * found to be over {@link MAX_PUBLISH_BYTES}; the rest is read and dropped, not kept.
 * @param req - the request.
 */
export function readPublishBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // Refused only once the body is read: answered earlier, the response ends and Node closes the
    // connection under a client still sending, whose kernel then resets it, and the 413 can be
    // lost on the way (seen once in a CI run).
    const declaredOver = Number(req.headers['content-length'] ?? 0) > MAX_PUBLISH_BYTES;
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.byteLength;
      if (size > DRAIN_BYTES) {
        req.off('data', onData);
        req.off('end', onEnd);
        req.resume();
        reject(tooLarge());
        return;
      }
      if (!declaredOver && size <= MAX_PUBLISH_BYTES) chunks.push(chunk);
    };
    const onEnd = (): void => {
      if (declaredOver || size > MAX_PUBLISH_BYTES) reject(tooLarge());
      else resolve(Buffer.concat(chunks, size));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', reject);
  });
}
