import net from 'node:net';

/** An HTTP/1.1 answer read byte by byte off a raw socket. */
export interface RawAnswer {
  /** The status code, or 0 when the connection closed before a status line. */
  status: number;
  /** Response headers, names lower-cased (the last of a repeated name wins). */
  headers: Record<string, string>;
  /** The body, de-chunked; for an event stream, what arrived up to its first full line. */
  body: Buffer;
  /** Everything received, as is. */
  raw: Buffer;
}

const HEAD_END = Buffer.from('\r\n\r\n');

/**
 * Sends `bytes` as they are over a fresh connection to 127.0.0.1 (no client-side checks: any
 * header byte, any framing) and reads the answer. An event stream is read up to the end of its
 * first line (the `retry:` hint), then the connection is closed: a test sees how it starts
 * without holding it open.
 * @param port - the server's port.
 * @param bytes - the whole request (a string is sent as latin1, one byte per character).
 * @param timeoutMs - the deadline for a complete answer.
 */
export function rawRequest(port: number, bytes: Buffer | string, timeoutMs = 10_000): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let raw = Buffer.alloc(0);
    let settled = false;
    const finish = (error?: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error !== undefined) reject(error);
      else resolve(parseAnswer(raw));
    };
    const timer = setTimeout(() => {
      finish(
        new Error(`no complete answer within ${timeoutMs} ms; received ${JSON.stringify(raw.toString('latin1'))}`),
      );
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      raw = Buffer.concat([raw, chunk]);
      if (isComplete(raw)) finish();
    });
    // A server may close (or reset) without answering a request it refused to parse.
    socket.on('close', () => finish());
    socket.on('error', () => undefined);
    // write, not end: a half-closed connection reads as a client that left to some servers.
    socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  });
}

/**
 * Opens a connection and sends only part of a request, as a client that dies or hangs halfway.
 * @param port - the server's port.
 * @param bytes - the partial request.
 * @returns the socket, still open: destroy it to play a client that went away, keep it to stall.
 */
export function halfSent(port: number, bytes: Buffer | string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes, () => {
        resolve(socket);
      });
    });
    socket.once('error', reject);
    // Whatever the server answers is read and dropped, so it never waits on this client.
    socket.on('data', () => undefined);
  });
}

function isComplete(raw: Buffer): boolean {
  const end = raw.indexOf(HEAD_END);
  if (end < 0) return false;
  const { headers } = parseHead(raw.subarray(0, end).toString('latin1'));
  const rest = raw.subarray(end + 4);
  const chunked = headers['transfer-encoding']?.toLowerCase() === 'chunked';
  if (headers['content-type']?.startsWith('text/event-stream') === true) {
    const body = chunked ? dechunk(rest).body : rest;
    return body.includes('\n');
  }
  if (headers['content-length'] !== undefined) return rest.byteLength >= Number(headers['content-length']);
  if (chunked) return dechunk(rest).done;
  return false;
}

function parseHead(text: string): { status: number; headers: Record<string, string> } {
  const [statusLine = '', ...lines] = text.split('\r\n');
  const status = /^HTTP\/\d\.\d (\d{3})/.exec(statusLine)?.[1];
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status: status === undefined ? 0 : Number(status), headers };
}

function parseAnswer(raw: Buffer): RawAnswer {
  const end = raw.indexOf(HEAD_END);
  if (end < 0) return { status: 0, headers: {}, body: Buffer.alloc(0), raw };
  const { status, headers } = parseHead(raw.subarray(0, end).toString('latin1'));
  const rest = raw.subarray(end + 4);
  let body = headers['transfer-encoding']?.toLowerCase() === 'chunked' ? dechunk(rest).body : rest;
  if (headers['content-length'] !== undefined) body = body.subarray(0, Number(headers['content-length']));
  return { status, headers, body, raw };
}

/** The data of a chunked body, as far as it arrived, and whether its last chunk did. */
function dechunk(bytes: Buffer): { body: Buffer; done: boolean } {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const lineEnd = bytes.indexOf('\r\n', at);
    if (lineEnd < 0) return { body: Buffer.concat(parts), done: false };
    const size = Number.parseInt(bytes.subarray(at, lineEnd).toString('latin1'), 16);
    if (Number.isNaN(size)) return { body: Buffer.concat(parts), done: false };
    if (size === 0) return { body: Buffer.concat(parts), done: true };
    const start = lineEnd + 2;
    parts.push(bytes.subarray(start, Math.min(start + size, bytes.byteLength)));
    if (start + size + 2 > bytes.byteLength) return { body: Buffer.concat(parts), done: false };
    at = start + size + 2;
  }
}
