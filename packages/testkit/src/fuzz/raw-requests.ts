const CRLF = Buffer.from('\r\n');
/** The header a probe's raw `Last-Event-ID` bytes follow. */
export const ID = Buffer.from('Last-Event-ID: ', 'latin1');
/** The topic the `/events` probes ask for. */
export const PROBE = 'fz-probe';

/** A `GET` asking for a stream, with `headers` (lines, without their CRLF) as given. */
export function getRequest(target: string, headers: (string | Buffer)[] = []): Buffer {
  return Buffer.concat([
    Buffer.from(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n`, 'latin1'),
    ...headers.flatMap((header) => [typeof header === 'string' ? Buffer.from(header, 'latin1') : header, CRLF]),
    CRLF,
  ]);
}

/** A `POST /publish` of `body`, with `contentType` when there is one. */
export function postRequest(body: Buffer, contentType: string | undefined): Buffer {
  const type = contentType === undefined ? '' : `Content-Type: ${contentType}\r\n`;
  return Buffer.concat([
    Buffer.from(
      `POST /publish HTTP/1.1\r\nHost: 127.0.0.1\r\n${type}Content-Length: ${body.byteLength}\r\nConnection: close\r\n\r\n`,
      'latin1',
    ),
    body,
  ]);
}
