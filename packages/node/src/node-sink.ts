import { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Http2ServerResponse } from 'node:http2';
import type { CloseReason, Sink, SseStreamControl } from '@ssekit/core';
import type { NodeRequest } from './headers.js';

/** A response from `node:http` or the `node:http2` compatibility API. */
export type NodeResponse = ServerResponse | Http2ServerResponse;

/**
 * The part of a response the sink uses: `ServerResponse` and `Http2ServerResponse` both have
 * it, with signatures TypeScript cannot unite.
 */
interface WritableResponse {
  write(chunk: Uint8Array): boolean;
  end(): unknown;
  destroy(): unknown;
  /** Added by compression middleware. */
  flush?: () => void;
  flushHeaders?: () => void;
  /** `ServerResponse` only; an `Http2ServerResponse` is judged by its lengths. */
  writableNeedDrain?: boolean;
}

/**
 * Sends the headers now if no byte has left yet. `writeHead()` only stores them (and already
 * makes `headersSent` true), so a stream that writes nothing first (no `retry:` hint) would
 * otherwise hold them until its first event. node:http's `_headerSent` turns true once they went
 * to the socket; HTTP/2 responses send their headers in `writeHead()` and lack it.
 */
export function flushHeaders(res: NodeResponse): void {
  if ((res as { _headerSent?: boolean })._headerSent !== true) (res as unknown as WritableResponse).flushHeaders?.();
}

/**
 * Makes a {@link Sink} of a Node response whose headers are already written.
 *
 * Compression middleware (`compression`, for one) adds `res.flush()`; it is called after every
 * write so no event waits in a compressor's buffer.
 *
 * Ending is graceful (the last bytes, then the end of the response) unless the stream was
 * evicted, failed, or the client stopped reading: such a client could not take the end either,
 * and waiting for it would hold the socket, and `hub.close()`, forever. Those connections are
 * destroyed instead; the client reconnects and resumes by `Last-Event-ID`.
 *
 * @param res - the response.
 */
export function nodeSink(res: NodeResponse): Sink {
  const writable = res as unknown as WritableResponse;
  // Decided once: on a framework's response `'stream' in res` walks a long prototype chain.
  const http2 = 'stream' in res;
  // Decided at the first write: a socket to write pre-framed chunks to, or null for res.write().
  let direct: Socket | null | undefined;
  return {
    write(chunk) {
      if (direct === undefined) direct = http2 ? null : directSocket(res);
      // A connection gone is the client leaving, not a failure: its 'close' ends the stream
      // (reason 'client') in a moment; until then, the stream holds what it would have written.
      if (direct !== null) return !direct.destroyed && (chunk.byteLength === 0 || direct.write(chunkFrame(chunk)));
      if (http2 ? res.stream.destroyed : res.destroyed) return false;
      const accepted = writable.write(chunk);
      writable.flush?.();
      return accepted;
    },
    end(reason) {
      return new Promise<void>((resolve) => {
        if (res.writableFinished || isDestroyed(res)) {
          resolve();
          return;
        }
        res.once('close', resolve);
        if (reason === 'evicted' || reason === 'error' || isStalled(writable, res, direct)) abort(res, writable);
        else {
          // No callback argument: compression middleware wraps `end(chunk, encoding)` and would
          // take a function for a chunk; 'finish' (or 'close', above) says the end went out. An
          // HTTP/1.1 connection that carried a stream is not kept alive after it: the client
          // opens a new one to reconnect, and a keep-alive timer would only hold this one idle.
          // node:http detaches the socket before 'finish' listeners run: taken now.
          const socket = 'stream' in res ? null : res.socket;
          res.once('finish', () => {
            resolve();
            if (socket !== null && !socket.destroyed) socket.end();
          });
          writable.end();
        }
      });
    },
  };
}

/**
 * The socket of a plain HTTP/1.1 chunked response, once its headers are out, or null.
 *
 * Fan-out writes the same bytes to every subscriber. `res.write()` frames them as an HTTP/1.1
 * chunk again for each response (three writes and a cork per call); writing one pre-framed
 * buffer, built once per broadcast and shared, straight to the socket does the same on the wire
 * at a fraction of the cost. Only when nothing stands between the response and its socket: not
 * HTTP/2, not a HEAD or HTTP/1.0 response, no middleware that replaced `write` (compression),
 * no output node:http still holds. `res.end()` still writes the last chunk, as node:http
 * believes no chunk was sent.
 */
function directSocket(res: NodeResponse): Socket | null {
  if (!(res instanceof ServerResponse)) return null;
  const internals = res as ServerResponse & { _hasBody?: boolean; outputData?: unknown[] };
  if (res.write !== ServerResponse.prototype.write || 'flush' in res) return null;
  if (!res.chunkedEncoding || internals._hasBody === false) return null;
  const socket = res.socket;
  if (socket === null || socket.destroyed || (socket as Socket & { _httpMessage?: unknown })._httpMessage !== res) {
    return null;
  }
  if ((internals as { _headerSent?: boolean })._headerSent !== true) res.flushHeaders();
  if ((internals.outputData?.length ?? 0) > 0) return null;
  return socket;
}

const frames = new WeakMap<Uint8Array, Buffer>();
const CRLF = 0x0d0a;
// A broadcast hands the same buffer to every subscriber in a row: remember the last one.
let lastChunk: Uint8Array | undefined;
let lastFrame: Buffer | undefined;

/** `chunk` as one HTTP/1.1 chunk; built once per shared buffer, however many sockets get it. */
function chunkFrame(chunk: Uint8Array): Buffer {
  if (chunk === lastChunk && lastFrame !== undefined) return lastFrame;
  let frame = frames.get(chunk);
  if (frame !== undefined) {
    lastChunk = chunk;
    lastFrame = frame;
    return frame;
  }
  const size = chunk.byteLength.toString(16);
  frame = Buffer.allocUnsafe(size.length + chunk.byteLength + 4);
  frame.write(size, 0, 'latin1');
  frame.writeUInt16BE(CRLF, size.length);
  frame.set(chunk, size.length + 2);
  frame.writeUInt16BE(CRLF, frame.length - 2);
  frames.set(chunk, frame);
  lastChunk = chunk;
  lastFrame = frame;
  return frame;
}

/**
 * Drops a connection whose client cannot take its end: with a reset, not a FIN, where the socket
 * allows it. A FIN would wait behind everything still queued for a client that does not read;
 * the kernel would keep that queue (up to a few MiB per connection) in FIN-WAIT-1 for as long as
 * the client likes. A reset discards it at once. An HTTP/2 stream is reset by `destroy()`; its
 * session's socket serves other streams and stays.
 */
function abort(res: NodeResponse, writable: WritableResponse): void {
  const socket = 'stream' in res ? null : res.socket;
  if (socket?.resetAndDestroy !== undefined && !socket.destroyed) {
    socket.resetAndDestroy();
    return;
  }
  writable.destroy();
}

function isDestroyed(res: NodeResponse): boolean {
  // Http2ServerResponse has no `destroyed` of its own; its stream has.
  return 'stream' in res ? res.stream.destroyed : res.destroyed;
}

function isStalled(writable: WritableResponse, res: NodeResponse, direct: Socket | null | undefined): boolean {
  if (direct) return direct.writableNeedDrain;
  return writable.writableNeedDrain ?? res.writableLength >= res.writableHighWaterMark;
}

/**
 * Reports the transport's state to a stream: `'drain'` → `drained()`, and the client going
 * away (the response or the request closing with the connection gone) → `close('client')`.
 *
 * A request's own `'close'` also fires when its body has been read, with the connection still
 * open; only a closed connection counts as the client leaving.
 *
 * @param req - the request.
 * @param res - the response.
 * @param stream - the stream to report to.
 * @param signal - the stream's signal: when given, the listeners are removed when it aborts.
 * @returns a function that removes the listeners; call it when the stream ends (the sink's
 * `end()` is a good place) if no `signal` was given.
 */
export function bindNodeResponse(
  req: NodeRequest,
  res: NodeResponse,
  stream: SseStreamControl,
  signal?: AbortSignal,
): () => void {
  const onDrain = (): void => {
    stream.drained();
  };
  const onClose = (): void => {
    if (res.writableFinished || connectionGone(req, res)) void stream.close('client');
  };
  const onError = (): void => {
    void stream.close('error');
  };
  // Pre-framed writes go to the socket itself (see nodeSink), whose 'drain' the response does
  // not repeat; a drain reported twice is harmless.
  const socket = 'stream' in req ? null : (req.socket as Socket | null);
  res.on('drain', onDrain);
  socket?.on('drain', onDrain);
  res.on('close', onClose);
  res.on('error', onError);
  req.on('close', onClose);
  const unbind = (): void => {
    res.off('drain', onDrain);
    socket?.off('drain', onDrain);
    res.off('close', onClose);
    res.off('error', onError);
    req.off('close', onClose);
  };
  signal?.addEventListener('abort', unbind, { once: true });
  if (connectionGone(req, res)) void stream.close('client');
  return unbind;
}

/**
 * A sink whose `end()` also removes the listeners {@link bindNodeResponse} added, so a stream
 * needs no `AbortSignal` of its own for its cleanup. @internal
 */
export function unbindingSink(sink: Sink): Sink & { unbind: (() => void) | undefined } {
  const wrapped = {
    unbind: undefined as (() => void) | undefined,
    write: (chunk: Uint8Array) => sink.write(chunk),
    end: (reason: CloseReason) => {
      wrapped.unbind?.();
      wrapped.unbind = undefined;
      return sink.end(reason);
    },
  };
  return wrapped;
}

function connectionGone(req: NodeRequest, res: NodeResponse): boolean {
  if (res.destroyed) return true;
  if ('stream' in req) return req.stream.destroyed || req.stream.closed;
  const socket = req.socket as typeof req.socket | null;
  return socket === null || socket.destroyed;
}

/**
 * Disables Nagle's algorithm so each event leaves at once instead of waiting for an ACK.
 *
 * HTTP/2 requests are left alone: the session's socket refuses to be touched
 * (`ERR_HTTP2_NO_SOCKET_MANIPULATION`). `http2.createServer` turns Nagle off by itself;
 * `http2.createSecureServer` needs its `noDelay: true` option.
 */
export function setNoDelay(req: NodeRequest): void {
  if ('stream' in req) return;
  try {
    req.socket.setNoDelay(true);
  } catch {
    // Some socket wrappers do not forward setNoDelay; latency is then the kernel's default.
  }
}
