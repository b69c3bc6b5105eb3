import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { SsekitError, createHub, statusOf } from '@ssekit/core';
import { sendError } from '@ssekit/node';

const hub = createHub();
const app = express();

/** How deep a published body's JSON may nest: real payloads need a handful of levels. */
const MAX_DEPTH = 32;

/**
 * Refuses JSON nested deeper than MAX_DEPTH in one pass over the text, before JSON.parse: a
 * body of a million brackets would otherwise hold the event loop in the parser, then again in
 * the serializer.
 */
function assertShallow(text: string): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === '{' || c === '[') {
      if (++depth > MAX_DEPTH) {
        throw new SsekitError('invalid_field', `ssekit: the body nests deeper than ${MAX_DEPTH} levels; flatten it.`);
      }
    } else if (c === '}' || c === ']') depth--;
  }
}

// The body arrives as text (a 413 past 64 KiB), so its depth is checked before it is parsed.
app.post('/publish', express.text({ type: 'application/json', limit: '64kb' }), async (req: Request, res: Response) => {
  const text: unknown = req.body;
  if (typeof text !== 'string') throw new SsekitError('invalid_field', 'ssekit: send Content-Type: application/json.');
  assertShallow(text);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new SsekitError('invalid_field', 'ssekit: the body is not JSON; send {"data": ...}.');
  }
  if (typeof body !== 'object' || body === null || !('data' in body)) {
    throw new SsekitError('invalid_field', 'ssekit: the body must be an object like {"data": ...}.');
  }
  // The topic is the server's choice, not the client's: clients cannot create topics at will.
  const result = await hub.publish('news', { event: 'headline', data: body.data });
  res.status(202).json(result);
});

// Refusals (400, 413) and failures alike: the status and { "error" }. A 5xx is logged, and its
// message hidden unless ssekit wrote it to be shown (`unavailable`: a backend is down).
app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
  if (res.headersSent) {
    next(err);
    return;
  }
  if (statusOf(err) >= 500) console.error('publish failed', { url: req.originalUrl }, err);
  sendError(res, err);
});

app.listen(3000);
