import { SsekitError, headersOf } from '@ssekit/core';
import type { Admission, Sink, Subscription } from '@ssekit/core';
import { writeAnswer } from './answer.js';
import { markStreaming } from './guard.js';
import { sseHeaders } from './headers.js';
import type { NodeRequest } from './headers.js';
import { bindNodeResponse, flushHeaders, nodeSink, setNoDelay } from './node-sink.js';
import type { NodeResponse } from './node-sink.js';
import { nodeView } from './request.js';

/**
 * Serves one request on a Node response through an admission: answers a CORS preflight, or
 * runs every check and subscribes, writing the headers with the first bytes (the `retry:` hint
 * leaves at once); over a connection limit it writes the retry answer the options ask for.
 *
 * Everything that can refuse the request runs before the first byte, so a refusal is a plain
 * HTTP error for the caller (or its framework) to answer: it rejects with it, its `headers`
 * (CORS, `Retry-After`) set on `res` too. The framework adapters are built on this.
 *
 * @param admission - made once, from the options (see `createAdmission` in `@ssekit/core`).
 * @param request - what the admission's hooks receive (the framework's request).
 * @param req - the Node request.
 * @param res - its response, not started yet.
 * @returns the subscription, or `undefined` when the request was answered (a preflight, the
 * retry answer, the `204` of a request with nothing left to read, the headers only of a `HEAD`).
 * @throws (rejects with) the refusal: `SsekitError` `invalid_topic`, `invalid_last_event_id`,
 * `forbidden`, `unauthorized`, `closed`, `too_many_connections` (with `limitResponse: 429`),
 * `headers_sent`, or a hook's own error.
 */
export async function serveStream<TEvents extends object, TRequest>(
  admission: Admission<TEvents, TRequest>,
  request: TRequest,
  req: NodeRequest,
  res: NodeResponse,
): Promise<Subscription<TEvents> | undefined> {
  const view = nodeView(req);
  if (view.method === 'OPTIONS') {
    writeAnswer(req, res, admission.preflight(view));
    return undefined;
  }
  try {
    assertNotStarted(res);
    const ticket = await admission.admit(view, request);
    // Something else may have answered while the hooks ran (a framework that went on without us).
    assertNotStarted(res);
    if (ticket.answer !== undefined) {
      writeAnswer(req, res, ticket.answer);
      return undefined;
    }
    if (view.method === 'HEAD') {
      // The headers a stream starts with, and no stream: a HEAD response has no body to carry one.
      res.writeHead(200, sseHeaders(req, { ...admission.headers, ...ticket.headers }));
      res.end();
      return undefined;
    }
    const head = deferredHead(req, res, { ...admission.headers, ...ticket.headers });
    const opened = admission.open(ticket, head.sink);
    if (!('topics' in opened)) {
      writeAnswer(req, res, opened, admission.headers);
      return undefined;
    }
    head.bind(opened);
    return opened;
  } catch (err) {
    admission.report(err, request);
    for (const [name, value] of Object.entries(headersOf(err))) {
      if (!res.headersSent) res.setHeader(name, value);
    }
    throw err;
  }
}

function assertNotStarted(res: NodeResponse): void {
  if (res.headersSent || res.writableEnded) {
    throw new SsekitError(
      'headers_sent',
      'ssekit: the response already started (or ended) before the event stream could; mount the stream before anything writes, and make every middleware before it await (or return) next().',
    );
  }
}

/**
 * A sink that writes the `200` and its headers just before its first byte (or its end), so a hub
 * that refuses the subscription (a connection limit) leaves the response free for another answer.
 */
function deferredHead(
  req: NodeRequest,
  res: NodeResponse,
  extra: Readonly<Record<string, string>>,
): { sink: Sink; bind: (stream: Subscription<object>) => void } {
  const sink = nodeSink(res);
  let sent = false;
  let unbind: (() => void) | undefined;
  const send = (): void => {
    if (sent) return;
    sent = true;
    res.writeHead(200, sseHeaders(req, extra));
    setNoDelay(req);
    if (!('stream' in req)) markStreaming(req.socket);
  };
  return {
    sink: {
      write(chunk) {
        send();
        return sink.write(chunk);
      },
      end(reason) {
        unbind?.();
        unbind = undefined;
        try {
          send();
        } catch {
          // A response whose peer is gone may refuse headers; it is ending either way.
        }
        return sink.end(reason);
      },
    },
    bind(stream) {
      send();
      const remove = bindNodeResponse(req, res, stream);
      // The sink's end removes the listeners; a stream that ended already did before they existed.
      if (stream.closed) remove();
      else unbind = remove;
      // With no retry hint nothing was written yet; the headers still leave at once.
      flushHeaders(res);
    },
  };
}
