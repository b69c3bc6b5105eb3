import http2 from 'node:http2';

/** One request over an HTTP/2 session, read as it streams. */
export class H2Stream {
  status = 0;
  headers: http2.IncomingHttpHeaders = {};
  raw = '';
  ended = false;
  readonly stream: http2.ClientHttp2Stream;
  readonly #decoder = new TextDecoder('utf-8');

  constructor(session: http2.ClientHttp2Session, path: string, headers: http2.OutgoingHttpHeaders = {}) {
    this.stream = session.request({ ':path': path, accept: 'text/event-stream', ...headers });
    this.stream.on('response', (responseHeaders) => {
      this.headers = responseHeaders;
      this.status = Number(responseHeaders[':status']);
    });
    this.stream.on('data', (chunk: Buffer) => {
      this.raw += this.#decoder.decode(chunk, { stream: true });
    });
    this.stream.on('close', () => {
      this.ended = true;
    });
    // A reset stream reports an error; the tests look at `ended` instead.
    this.stream.on('error', () => undefined);
  }

  /** Waits until `check` holds; throws with what was received after `timeoutMs`. */
  async waitFor(check: (stream: H2Stream) => boolean, what: string, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check(this)) {
      if (Date.now() > deadline) {
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; received ${JSON.stringify(this.raw)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  /** Cancels the stream (RST_STREAM), as a browser closing an EventSource does. */
  cancel(): void {
    this.stream.close(http2.constants.NGHTTP2_CANCEL);
  }
}

/** Opens a session and waits for it to connect. */
export function connectH2(
  url: string,
  options: http2.SecureClientSessionOptions = {},
): Promise<http2.ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(url, options);
    session.once('connect', () => {
      session.off('error', reject);
      session.on('error', () => undefined);
      resolve(session);
    });
    session.once('error', reject);
  });
}
