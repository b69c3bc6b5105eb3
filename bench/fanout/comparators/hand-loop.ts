// Comparator 2: the fastest fan-out loop we know how to write on Node's public API. node:http
// still parses the request and sends the head (so the response is chunked); after that each
// event is framed once as an HTTP/1.1 chunk (hex length, CRLF, payload, CRLF) and that one buffer
// goes straight to every socket: no ServerResponse, no per-stream framing, no cork, no tick.
import type { Socket } from 'node:net';
import { frameOf, serveComparator, startPlainStream } from './common.js';

const sockets = new Set<Socket>();
const CRLF = Buffer.from('\r\n');

serveComparator({
  add(req, res) {
    startPlainStream(req, res);
    const socket = req.socket;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  },
  publish(data) {
    const { id, frame } = frameOf(data);
    const chunk = Buffer.concat([Buffer.from(`${frame.length.toString(16)}\r\n`), frame, CRLF]);
    for (const socket of sockets) socket.write(chunk);
    return { id, delivered: sockets.size };
  },
  size: () => sockets.size,
});
