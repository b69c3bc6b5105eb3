import { afterEach, describe, expect, it, vi } from 'vitest';
import { SsekitClientError } from '../src/index.js';
import { openSse, serve, sleep, until } from './support/servers.js';
import { closeAll, drain, open, take } from './support/subscriptions.js';

afterEach(closeAll);

describe('subscribe: reconnection', () => {
  it('waits the retry the server sent before reconnecting after a clean end', async () => {
    const server = await serve((req, n) => {
      openSse(req.res, n === 0 ? 'retry: 300\nid: 1\ndata: first\n\n' : 'data: second\n\n');
      if (n === 0) setTimeout(() => req.res.end(), 20);
    });
    const { subscription, states } = open(server.url, { retry: 10_000 });
    const events = await take(subscription, 2);
    expect(events.map((event) => event.data)).toEqual(['first', 'second']);
    const [first, second] = server.requests;
    // At least the 300 ms asked for, after the end (20 ms after the first request); and the
    // server's hint replaced the client's 10 s default.
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(300);
    expect(second!.at - first!.at).toBeLessThan(10_000);
    expect(states).toEqual(['open', 'retrying', 'connecting', 'open', 'ended']);
  });

  it('backs off with full jitter after network errors, and reports each as network', async () => {
    // A port with nothing listening: every request fails at once.
    const gone = await serve(() => undefined);
    await gone.close();
    vi.spyOn(Math, 'random').mockReturnValue(1);
    const attempts: number[] = [];
    const { subscription, errors, states } = open(gone.url, {
      retry: 40,
      maxRetryMs: 200,
      fetch: (input, init) => {
        attempts.push(Date.now());
        return fetch(input, init);
      },
    });
    await until(() => attempts.length >= 5, '5 attempts');
    subscription.close();
    // With random() = 1 the waits are the ceilings: 80, 160, then the 200 cap.
    const waits = attempts.slice(1).map((at, i) => at - attempts[i]!);
    expect(waits[0]).toBeGreaterThanOrEqual(80);
    expect(waits[1]).toBeGreaterThanOrEqual(160);
    expect(waits[2]).toBeGreaterThanOrEqual(200);
    expect(waits[3]).toBeGreaterThanOrEqual(200);
    expect(errors.slice(0, 4).map((error) => error.code)).toEqual(['network', 'network', 'network', 'network']);
    expect(errors[0]?.cause).toBeInstanceOf(TypeError);
    expect(states.slice(0, 4)).toEqual(['retrying', 'connecting', 'retrying', 'connecting']);
    expect(states.at(-1)).toBe('ended');
  });

  it('ends the iteration with state ended on 204: a completed run after its final event', async () => {
    const server = await serve((req, n) => {
      if (n === 0) {
        // The topic's final event, then the end of the stream.
        openSse(req.res, 'retry: 20\nid: 1\ndata: step\n\nid: 2\nevent: done\ndata: {"ok":true}\n\n');
        req.res.end();
      } else {
        req.res.writeHead(204).end();
      }
    });
    const { subscription, states, errors } = open(server.url);
    const { events, thrown } = await drain(subscription);
    expect(thrown).toBeUndefined();
    expect(events.map((event) => [event.type, event.data])).toEqual([
      ['message', 'step'],
      ['done', { ok: true }],
    ]);
    expect(subscription.state).toBe('ended');
    expect(subscription.error).toBeUndefined();
    expect(errors).toEqual([]);
    expect(states).toEqual(['open', 'retrying', 'connecting', 'ended']);
    expect(server.requests.map((req) => req.headers['last-event-id'])).toEqual([undefined, '2']);
    await sleep(100);
    expect(server.requests).toHaveLength(2);
  });

  it('stops for good on 401 with a status error, and does not retry', async () => {
    const server = await serve((req) => {
      req.res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"who are you?"}');
    });
    const { subscription, errors } = open(server.url, { retry: 10 });
    const { events, thrown } = await drain(subscription);
    expect(events).toEqual([]);
    expect(thrown).toBeInstanceOf(SsekitClientError);
    expect(thrown).toMatchObject({ code: 'status', status: 401 });
    expect((thrown as Error).message).toBe('ssekit: GET / answered 401.');
    expect(errors).toEqual([thrown]);
    expect(subscription.state).toBe('ended');
    await sleep(150);
    expect(server.requests).toHaveLength(1);
  });

  it('stops on 404 and 400 alike, but retries 408, 429 and 5xx', async () => {
    const statuses = [408, 429, 500, 502, 404];
    const server = await serve((req, n) => {
      req.res.writeHead(statuses[n] ?? 400).end();
    });
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const { subscription, errors } = open(server.url, { retry: 10 });
    const { thrown } = await drain(subscription);
    expect(thrown).toMatchObject({ code: 'status', status: 404 });
    expect(errors.map((error) => [error.code, error.status])).toEqual(statuses.map((status) => ['status', status]));
  });

  it('waits for Retry-After on 503 (seconds) and on 429 (an HTTP date) before retrying', async () => {
    const server = await serve((req, n) => {
      if (n === 0) req.res.writeHead(503, { 'retry-after': '1' }).end();
      else if (n === 1) req.res.writeHead(429, { 'retry-after': new Date(Date.now() + 2000).toUTCString() }).end();
      else openSse(req.res, 'data: back\n\n');
    });
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const { subscription, errors } = open(server.url, { retry: 10 });
    expect((await take(subscription, 1))[0]?.data).toBe('back');
    const [first, second, third] = server.requests;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1000);
    // An HTTP date has whole seconds: at least one second of the two is certain.
    expect(third!.at - second!.at).toBeGreaterThanOrEqual(1000);
    expect(errors.map((error) => error.status)).toEqual([503, 429]);
  });

  it('reconnects when nothing arrives within inactivityMs; heartbeat comments count as something', async () => {
    let lastBeat = 0;
    const server = await serve((req, n) => {
      openSse(req.res, `retry: 10\nid: ${n}\ndata: stream ${n}\n\n`);
      if (n > 0) return;
      // Heartbeats for 400 ms (beyond the 150 ms limit), then silence with the socket open.
      const beat = setInterval(() => {
        req.res.write(':\n');
        lastBeat = Date.now();
      }, 50);
      setTimeout(() => clearInterval(beat), 400);
      req.res.on('close', () => clearInterval(beat));
    });
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const { subscription, errors } = open(server.url, { inactivityMs: 150 });
    const events = await take(subscription, 2);
    expect(events.map((event) => event.data)).toEqual(['stream 0', 'stream 1']);
    const [first, second] = server.requests;
    // The heartbeats kept the first stream past the limit; the silence after them ended it.
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(400);
    expect(second!.at).toBeGreaterThanOrEqual(lastBeat + 150);
    await first!.closed;
    expect(errors[0]?.code).toBe('inactive');
    expect(second!.headers['last-event-id']).toBe('0');
  });

  it('counts the wait for the first answer as inactivity too', async () => {
    const server = await serve((req, n) => {
      // The first request never gets an answer.
      if (n > 0) openSse(req.res, 'data: answered\n\n');
    });
    vi.spyOn(Math, 'random').mockReturnValue(0);
    const { subscription, errors } = open(server.url, { inactivityMs: 100 });
    expect((await take(subscription, 1))[0]?.data).toBe('answered');
    expect(errors.map((error) => error.code)).toEqual(['inactive']);
    await server.requests[0]!.closed;
  });

  it('ends with a content_type error when the answer is not an event stream', async () => {
    const server = await serve((req) => {
      req.res.writeHead(200, { 'content-type': 'text/html' }).end('<h1>login</h1>');
    });
    const { subscription } = open(server.url);
    const { thrown } = await drain(subscription);
    expect(thrown).toMatchObject({
      code: 'content_type',
      message: 'ssekit: / is not text/event-stream; check the URL.',
    });
    await sleep(50);
    expect(server.requests).toHaveLength(1);
  });

  it('accepts text/event-stream with parameters and any case', async () => {
    const server = await serve((req) => {
      req.res.writeHead(200, { 'content-type': 'Text/Event-Stream ; charset=UTF-8' });
      req.res.end('data: fine\n\n');
    });
    const { subscription } = open(server.url);
    expect((await take(subscription, 1))[0]?.data).toBe('fine');
  });
});
