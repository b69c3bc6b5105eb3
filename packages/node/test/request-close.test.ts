import http from 'node:http';
import http2 from 'node:http2';
import type { Hub } from '@ssekit/core';
import { RETRY, eventually, testHub } from '@ssekit/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { createSseHandler, sendError } from '../src/index.js';
import type { NodeRequest, NodeResponse } from '../src/index.js';
import { H2Stream, connectH2 } from './support/h2-client.js';
import { listen } from './support/servers.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * Streams a request of any method: `start()` takes what a router matched (the handler itself
 * answers methods other than GET with 405).
 */
function stream(hub: Hub, req: NodeRequest, res: NodeResponse): void {
  createSseHandler({ hub })
    .start(req, res)
    .catch((err: unknown) => {
      sendError(res, err);
    });
}

/** A POST whose body the test sends in parts, read as an event stream. */
class PostStream {
  raw = '';
  ended = false;
  readonly request: http.ClientRequest;

  constructor(url: string, length: number) {
    const decoder = new TextDecoder('utf-8');
    this.request = http.request(url, {
      method: 'POST',
      agent: false,
      headers: { 'content-type': 'text/plain', 'content-length': String(length), accept: 'text/event-stream' },
    });
    this.request.on('response', (res) => {
      res.on('data', (chunk: Buffer) => {
        this.raw += decoder.decode(chunk, { stream: true });
      });
      res.on('close', () => {
        this.ended = true;
      });
    });
    this.request.on('error', () => {
      this.ended = true;
    });
    this.request.flushHeaders();
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

async function serve(
  handle: (hub: Hub, req: http.IncomingMessage, res: http.ServerResponse) => void,
): Promise<{ hub: Hub; url: string }> {
  const hub = testHub();
  const server = http.createServer((req, res) => handle(hub, req, res));
  const listening = await listen(server);
  cleanups.push(() => listening.close());
  return { hub, url: listening.url };
}

/** Publishes one event and waits for `client` to hold exactly what came before plus it. */
async function expectStillStreaming(hub: Hub, read: () => string, before: string): Promise<string> {
  const { id, delivered } = await hub.publish('default', { data: 'after the body' });
  expect(delivered).toBe(1);
  const expected = `${before}id: ${id}\ndata: after the body\n\n`;
  await eventually(() => read() === expected, 'the event after the body');
  return expected;
}

describe("a request's own 'close'", () => {
  it('does not end a stream whose POST body nobody reads', async () => {
    const { hub, url } = await serve(stream);
    const client = new PostStream(url, 5);
    client.request.end('hello');
    cleanups.push(() => {
      client.request.destroy();
    });
    await eventually(() => client.raw === RETRY, 'the retry line');
    await expectStillStreaming(hub, () => client.raw, RETRY);
    client.request.destroy();
    await eventually(() => hub.stats().connections === 0, 'the stream to be unregistered');
  });

  it('does not end a stream when middleware consumed the body first', async () => {
    const bodies: string[] = [];
    let requestClosed = false;
    const { hub, url } = await serve((hub, req, res) => {
      req.on('close', () => (requestClosed = true));
      void readBody(req).then((body) => {
        bodies.push(body);
        // The body is read: the request has closed, or is about to, with the connection open.
        setImmediate(() => stream(hub, req, res));
      });
    });
    const client = new PostStream(url, 11);
    client.request.end('{"a":"b"}\r\n');
    cleanups.push(() => {
      client.request.destroy();
    });
    await eventually(() => client.raw === RETRY, 'the retry line');
    expect(bodies).toEqual(['{"a":"b"}\r\n']);
    expect(requestClosed).toBe(true);
    await expectStillStreaming(hub, () => client.raw, RETRY);
    expect(hub.stats().connections).toBe(1);
    client.request.destroy();
    await eventually(() => hub.stats().connections === 0, 'the stream to be unregistered');
  });

  it('does not end a stream when the body is read to its end while the stream is open', async () => {
    const closedWhileStreaming: boolean[] = [];
    const { hub, url } = await serve((hub, req, res) => {
      createSseHandler({ hub })
        .start(req, res)
        .then(
          (stream) => {
            req.on('close', () => closedWhileStreaming.push(stream?.closed === false));
            void readBody(req);
          },
          (err: unknown) => {
            sendError(res, err);
          },
        );
    });
    const client = new PostStream(url, 10);
    cleanups.push(() => {
      client.request.destroy();
    });
    client.request.write('first');
    await eventually(() => client.raw === RETRY, 'the retry line');
    client.request.end('-last');
    await eventually(() => closedWhileStreaming.length === 1, "the request's 'close'");
    expect(closedWhileStreaming).toEqual([true]);
    await expectStillStreaming(hub, () => client.raw, RETRY);
    expect(client.ended).toBe(false);
    client.request.destroy();
    await eventually(() => hub.stats().connections === 0, 'the stream to be unregistered');
  });

  it('does not end an HTTP/2 stream whose request body was read', async () => {
    const hub = testHub();
    const bodies: string[] = [];
    const server = http2.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        bodies.push(body);
        stream(hub, req, res);
      });
    });
    const listening = await listen(server);
    const session = await connectH2(listening.url);
    cleanups.push(async () => {
      session.destroy();
      await listening.close();
    });
    const client = new H2Stream(session, '/events', { ':method': 'POST' });
    client.stream.end('h2 body');
    await client.waitFor((s) => s.raw === RETRY, 'the retry line');
    expect(bodies).toEqual(['h2 body']);
    await expectStillStreaming(hub, () => client.raw, RETRY);
    client.cancel();
    await eventually(() => hub.stats().connections === 0, 'the stream to be unregistered');
  });
});
