import type { ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import type { Sink, SseStreamControl } from '@ssekit/core';
import type { NodeRequest } from './headers.js';

/** A response from `node:http` or the `node:http2` compatibility API. */
export type NodeResponse = ServerResponse | Http2ServerResponse;

/**
 * The part of a response the sink uses: `ServerResponse` and `Http2ServerResponse` both have
 * it, with signatures TypeScript cannot unite.
 */
interface WritableResponse {
  write(chunk: Uint8Array): boolean;
  end(callback?: () => void): unknown;
  /** Added by compression middleware. */
  flush?: () => void;
  flushHeaders?: () => void;
}

/** Sends the headers now if nothing has been written yet. */
export function flushHeaders(res: NodeResponse): void {
  if (!res.headersSent) (res as unknown as WritableResponse).flushHeaders?.();
}

/**
 * Makes a {@link Sink} of a Node response whose headers are already written.
 *
 * Compression middleware (`compression`, for one) adds `res.flush()`; it is called after every
 * write so no event waits in a compressor's buffer.
 *
 * @param res - the response.
 */
export function nodeSink(res: NodeResponse): Sink {
  const writable = res as unknown as WritableResponse;
  return {
    write(chunk) {
      if (res.destroyed) throw new Error('response destroyed');
      const accepted = writable.write(chunk);
      writable.flush?.();
      return accepted;
    },
    end() {
      return new Promise<void>((resolve) => {
        if (res.writableFinished || res.destroyed) {
          resolve();
          return;
        }
        res.once('close', resolve);
        writable.end(resolve);
      });
    },
  };
}

/**
 * Reports the transport's state to a stream: `'drain'` → `drained()`, and the client going
 * away (the response or the request closing with the connection gone) → `close('client')`.
 * Every listener is removed when the stream ends, whatever ends it.
 *
 * A request's own `'close'` also fires when its body has been read, with the connection still
 * open; only a closed connection counts as the client leaving.
 *
 * @param req - the request.
 * @param res - the response.
 * @param stream - the stream to report to.
 * @param signal - the stream's signal, to remove the listeners when it aborts.
 */
export function bindNodeResponse(
  req: NodeRequest,
  res: NodeResponse,
  stream: SseStreamControl,
  signal: AbortSignal,
): void {
  const onDrain = (): void => {
    stream.drained();
  };
  const onClose = (): void => {
    if (res.writableFinished || connectionGone(req, res)) void stream.close('client');
  };
  const onError = (): void => {
    void stream.close('error');
  };
  res.on('drain', onDrain);
  res.on('close', onClose);
  res.on('error', onError);
  req.on('close', onClose);
  signal.addEventListener(
    'abort',
    () => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      res.off('error', onError);
      req.off('close', onClose);
    },
    { once: true },
  );
  if (connectionGone(req, res)) void stream.close('client');
}

function connectionGone(req: NodeRequest, res: NodeResponse): boolean {
  if (res.destroyed) return true;
  if ('stream' in req) return req.stream.destroyed || req.stream.closed;
  const socket = req.socket as typeof req.socket | null;
  return socket === null || socket.destroyed;
}

/** Disables Nagle's algorithm so each event leaves at once instead of waiting for an ACK. */
export function setNoDelay(req: NodeRequest): void {
  try {
    if ('stream' in req) req.stream.session?.socket.setNoDelay(true);
    else req.socket.setNoDelay(true);
  } catch {
    // Some socket wrappers do not forward setNoDelay; latency is then the kernel's default.
  }
}
