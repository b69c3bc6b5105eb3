import type { IncomingMessage } from 'node:http';
import { SsekitError } from '@ssekit/core';
import { MAX_PUBLISH_BYTES } from './publish.js';

function tooLarge(): SsekitError {
  return new SsekitError('payload_too_large', `ssekit: the body is over ${MAX_PUBLISH_BYTES} bytes.`);
}

/**
 * Reads a `POST /publish` body from a node:http request, refusing it (413) as soon as it is
 * declared or found to be over {@link MAX_PUBLISH_BYTES}; the rest is drained, not kept.
 * @param req - the request.
 */
export function readPublishBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    if (Number(req.headers['content-length'] ?? 0) > MAX_PUBLISH_BYTES) {
      reject(tooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > MAX_PUBLISH_BYTES) {
        reject(tooLarge());
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      resolve(Buffer.concat(chunks, size));
    });
    req.on('error', reject);
  });
}
