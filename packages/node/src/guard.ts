import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** Sockets whose response is an event stream (HTTP/1.1), marked when its head is written. */
const streaming = new WeakSet<Socket>();

/** Notes that `socket` now carries an event stream: nothing after it will be answered. @internal */
export function markStreaming(socket: Socket | null | undefined): void {
  if (socket) streaming.add(socket);
}

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * Makes `server` close a connection on which a request arrives while that connection carries an
 * event stream, before any handler sees the request. HTTP/1.1 lets a client pipeline requests
 * behind one whose answer has not ended; node:http runs their handlers at once but can only send
 * their answers after the stream, which never ends: a published event whose `202` never comes, a
 * flood of work held until the server stops reading. The stream's client reconnects (with its
 * `Last-Event-ID`) on a connection of its own.
 *
 * A request counts as a stream request from its `Accept: text/event-stream` (every `EventSource`
 * sends it), or once its stream head was written. Call it once the app is attached (the
 * `'request'` listeners it finds are the ones it guards): `guardEventStreams(http.createServer(app))`,
 * or `guardEventStreams(fastify.server)` before `listen`. HTTP/2 multiplexes streams and needs
 * none of this.
 *
 * @param server - an `http.Server` or `https.Server`.
 * @returns the same server.
 */
export function guardEventStreams<TServer extends Server>(server: TServer): TServer {
  const listeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  const current = new WeakMap<Socket, { req: IncomingMessage; res: ServerResponse }>();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const socket = req.socket;
    const before = current.get(socket);
    if (before !== undefined && !before.res.writableEnded) {
      const accept = before.req.headers.accept ?? '';
      if (streaming.has(socket) || accept.toLowerCase().includes('text/event-stream')) {
        socket.destroy();
        return;
      }
    }
    current.set(socket, { req, res });
    for (const listener of listeners) listener.call(server, req, res);
  });
  return server;
}
