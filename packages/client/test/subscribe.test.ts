import { afterEach, describe, expect, it, vi } from 'vitest';
import { subscribe, SsekitClientError } from '../src/index.js';
import type { ClientEvent, ConnectionState, SubscribeOptions, Subscription } from '../src/index.js';
import { closeServers, openSse, serve, sleep, until } from './support/servers.js';

// Closed after each test, whatever their event maps.
const subscriptions: { close(): void }[] = [];
afterEach(async () => {
  for (const subscription of subscriptions.splice(0)) subscription.close();
  vi.restoreAllMocks();
  await closeServers();
});

type Events = Record<string, unknown>;

/** A subscription closed after the test, with its states and reported errors recorded. */
function open<T extends object = Events>(
  url: string,
  options: SubscribeOptions = {},
): { subscription: Subscription<T>; states: ConnectionState[]; errors: SsekitClientError[] } {
  const states: ConnectionState[] = [];
  const errors: SsekitClientError[] = [];
  const subscription = subscribe<T>(url, {
    onState: (state) => states.push(state),
    onError: (error) => errors.push(error),
    ...options,
  });
  subscriptions.push(subscription);
  return { subscription, states, errors };
}

/** Reads `count` events from a subscription's iterator (made at once, as users should). */
async function take<T extends object>(subscription: Subscription<T>, count: number): Promise<ClientEvent<T>[]> {
  const seen: ClientEvent<T>[] = [];
  if (count === 0) return seen;
  for await (const event of subscription) {
    seen.push(event);
    if (seen.length === count) break;
  }
  return seen;
}

/** Everything the iteration yields until it ends, and how it ended. */
async function drain<T extends object>(
  subscription: Subscription<T>,
): Promise<{ events: ClientEvent<T>[]; thrown: unknown }> {
  const events: ClientEvent<T>[] = [];
  try {
    for await (const event of subscription) events.push(event);
  } catch (thrown) {
    return { events, thrown };
  }
  return { events, thrown: undefined };
}

describe('subscribe: events', () => {
  it('delivers typed events as { type, data, id, raw }, JSON decoded with a fallback to text', async () => {
    const server = await serve((req) => {
      openSse(req.res, 'retry: 1000\n:\nid: 1\nevent: price\ndata: {"value":42}\n\nid: 2\ndata: plain text\n\n');
    });
    const { subscription, states } = open<{ price: { value: number }; message: string }>(`${server.url}/events`);
    expect(subscription.state).toBe('connecting');
    const events = await take(subscription, 2);
    expect(events).toEqual([
      { type: 'price', data: { value: 42 }, id: '1', raw: '{"value":42}' },
      { type: 'message', data: 'plain text', id: '2', raw: 'plain text' },
    ]);
    expect(subscription.lastEventId).toBe('2');
    // Leaving the loop closed it.
    expect(subscription.state).toBe('ended');
    expect(states).toEqual(['open', 'ended']);
    await server.requests[0]!.closed;
  });

  it('gives every listener and every iterator each event, listeners by name', async () => {
    const server = await serve((req) => {
      openSse(req.res, 'event: a\ndata: 1\n\nevent: b\ndata: 2\n\nevent: a\ndata: 3\n\n');
    });
    const { subscription } = open<{ a: number; b: number }>(server.url);
    const a: number[] = [];
    const b: number[] = [];
    const removed: number[] = [];
    subscription.on('a', (event) => a.push(event.data));
    subscription.on('b', (event) => b.push(event.data));
    const remove = subscription.on('a', (event) => removed.push(event.data));
    remove();
    const [first, second] = await Promise.all([take(subscription, 3), take(subscription, 3)]);
    expect(first.map((event) => event.data)).toEqual([1, 2, 3]);
    expect(second).toEqual(first);
    expect(a).toEqual([1, 3]);
    expect(b).toEqual([2]);
    expect(removed).toEqual([]);
  });

  it("parses 'text' as text, and a function with the raw text and the event name", async () => {
    const server = await serve((req) => {
      openSse(req.res, 'event: n\ndata: 42\n\nevent: s\ndata: {"a":1}\n\n');
    });
    const text = open(server.url, { parse: 'text' });
    expect((await take(text.subscription, 2)).map((event) => event.data)).toEqual(['42', '{"a":1}']);
    const calls: [string, string][] = [];
    const custom = open(server.url, {
      parse: (raw, type) => {
        calls.push([raw, type]);
        return `${type}:${raw}`;
      },
    });
    expect((await take(custom.subscription, 2)).map((event) => event.data)).toEqual(['n:42', 's:{"a":1}']);
    expect(calls).toEqual([
      ['42', 'n'],
      ['{"a":1}', 's'],
    ]);
  });

  it('ends with a parse error when the parse function throws, after the events before it', async () => {
    const server = await serve((req) => {
      openSse(req.res, 'id: 1\ndata: good\n\nid: 2\ndata: bad\n\nid: 3\ndata: never\n\n');
    });
    const { subscription, errors } = open(server.url, {
      parse: (raw) => {
        if (raw === 'bad') throw new Error('not a price');
        return raw;
      },
    });
    const { events, thrown } = await drain(subscription);
    expect(events.map((event) => event.data)).toEqual(['good']);
    expect(thrown).toBeInstanceOf(SsekitClientError);
    expect(thrown).toMatchObject({ code: 'parse', cause: new Error('not a price') });
    expect(errors).toEqual([thrown]);
    expect(subscription.state).toBe('ended');
    expect(subscription.error).toBe(thrown);
    expect(subscription.lastEventId).toBe('1');
  });

  it('keeps going when a listener or onState throws: the others run, the error is reported', async () => {
    const server = await serve((req) => {
      openSse(req.res, 'data: 1\n\ndata: 2\n\n');
    });
    const { subscription, errors } = open(server.url, {
      onState: () => {
        throw new Error('state listener');
      },
    });
    const seen: unknown[] = [];
    subscription.on('message', () => {
      throw new Error('listener');
    });
    subscription.on('message', (event) => seen.push(event.data));
    const events = await take(subscription, 2);
    expect(events.map((event) => event.data)).toEqual([1, 2]);
    expect(seen).toEqual([1, 2]);
    expect(errors.map((error) => [error.code, (error.cause as Error).message])).toEqual([
      ['listener', 'state listener'],
      ['listener', 'listener'],
      ['listener', 'listener'],
      ['listener', 'state listener'],
    ]);
  });

  it('logs a throwing listener with console.error when there is no onError', async () => {
    const server = await serve((req) => {
      openSse(req.res, 'data: 1\n\ndata: 2\n\n');
    });
    const logged: unknown[] = [];
    vi.spyOn(console, 'error').mockImplementation((error: unknown) => logged.push(error));
    const subscription = subscribe(server.url);
    subscriptions.push(subscription);
    subscription.on('message', () => {
      throw new Error('boom');
    });
    expect(await take(subscription, 2)).toHaveLength(2);
    expect(logged).toHaveLength(2);
    expect(logged[0]).toMatchObject({ code: 'listener', cause: new Error('boom') });
  });

  it('surfaces ssekit-reset as its own event, decoded as JSON whatever `parse` says', async () => {
    const server = await serve((req) => {
      openSse(req.res, 'event: ssekit-reset\ndata: {"reason":"forgotten","lastEventId":"9"}\n\ndata: x\n\n');
    });
    const { subscription } = open<{ message: string }>(server.url, { parse: 'text', lastEventId: '9' });
    const resets: string[] = [];
    subscription.on('ssekit-reset', (event) => resets.push(event.data.reason));
    const events = await take(subscription, 2);
    expect(events[0]).toEqual({
      type: 'ssekit-reset',
      data: { reason: 'forgotten', lastEventId: '9' },
      id: '9',
      raw: '{"reason":"forgotten","lastEventId":"9"}',
    });
    expect(events[1]).toMatchObject({ type: 'message', data: 'x' });
    expect(resets).toEqual(['forgotten']);
  });
});

describe('subscribe: the request', () => {
  it('sends the method, a body, headers, Accept and credentials; POST by default with a body', async () => {
    const server = await serve((req) => {
      openSse(req.res, 'data: ok\n\n');
    });
    const { subscription } = open(`${server.url}/stream?q=1`, {
      body: JSON.stringify({ question: 'why?' }),
      headers: { authorization: 'Bearer t0', 'content-type': 'application/json' },
      credentials: 'include',
    });
    await take(subscription, 1);
    const [seen] = server.requests;
    expect(seen).toMatchObject({ method: 'POST', url: '/stream?q=1', body: '{"question":"why?"}' });
    expect(seen?.headers).toMatchObject({
      authorization: 'Bearer t0',
      'content-type': 'application/json',
      accept: 'text/event-stream',
    });
    expect(seen?.headers['last-event-id']).toBeUndefined();
  });

  it('calls the headers function before every request, sends the body again, and resumes by Last-Event-ID', async () => {
    const server = await serve((req, n) => {
      // Each stream sends one event and ends: the client reconnects after `retry`.
      openSse(req.res, `retry: 20\nid: e${n}\ndata: ${n}\n\n`);
      req.res.end();
    });
    let token = 0;
    const { subscription } = open(server.url, {
      method: 'PUT',
      body: 'same body',
      headers: async () => {
        await sleep(1);
        return { authorization: `Bearer ${++token}` };
      },
      lastEventId: 'start',
    });
    const events = await take(subscription, 3);
    expect(events.map((event) => event.id)).toEqual(['e0', 'e1', 'e2']);
    expect(
      server.requests
        .slice(0, 3)
        .map((req) => [req.method, req.headers.authorization, req.headers['last-event-id'], req.body]),
    ).toEqual([
      ['PUT', 'Bearer 1', 'start', 'same body'],
      ['PUT', 'Bearer 2', 'e0', 'same body'],
      ['PUT', 'Bearer 3', 'e1', 'same body'],
    ]);
  });

  it("sends the resume point as the lastEventId query parameter when sendLastEventId is 'query'", async () => {
    const server = await serve((req, n) => {
      openSse(req.res, `retry: 20\nid: id-${n}\ndata: ${n}\n\n`);
      req.res.end();
    });
    const { subscription } = open(`${server.url}/events?topic=a&lastEventId=stale`, {
      sendLastEventId: 'query',
      lastEventId: 'first',
    });
    await take(subscription, 2);
    expect(server.requests.slice(0, 2).map((req) => [req.url, req.headers['last-event-id']])).toEqual([
      ['/events?topic=a&lastEventId=first', undefined],
      ['/events?topic=a&lastEventId=id-0', undefined],
    ]);
  });

  it('takes the id of a block without data for the resume, and keeps it when events carry none', async () => {
    const server = await serve((req, n) => {
      openSse(req.res, n === 0 ? 'retry: 20\ndata: a\n\nid: 7\n\n' : 'retry: 20\ndata: b\n\n');
      req.res.end();
    });
    const { subscription } = open(server.url);
    const events = await take(subscription, 3);
    expect(events.map((event) => [event.data, event.id])).toEqual([
      ['a', ''],
      ['b', '7'],
      ['b', '7'],
    ]);
    expect(server.requests.slice(0, 3).map((req) => req.headers['last-event-id'])).toEqual([undefined, '7', '7']);
  });

  it('sends an id with any characters back as its UTF-8 bytes, as EventSource does', async () => {
    const server = await serve((req, n) => {
      openSse(req.res, `retry: 20\nid: ✓ é 😀 ${n}\ndata: ${n}\n\n`);
      req.res.end();
    });
    const { subscription } = open(server.url);
    const events = await take(subscription, 2);
    expect(events.map((event) => event.id)).toEqual(['✓ é 😀 0', '✓ é 😀 1']);
    // node:http reads header bytes as Latin-1; the bytes are the id's UTF-8.
    const header = server.requests[1]!.headers['last-event-id'] as string;
    expect(Buffer.from(header, 'latin1').toString('utf8')).toBe('✓ é 😀 0');
  });

  it('uses an injected fetch', async () => {
    const server = await serve((req) => {
      openSse(req.res, 'data: via the wrapper\n\n');
    });
    const urls: string[] = [];
    const { subscription } = open(server.url, {
      fetch: (input, init) => {
        urls.push(input instanceof URL ? input.href : JSON.stringify(input));
        return fetch(input, init);
      },
    });
    expect((await take(subscription, 1))[0]?.data).toBe('via the wrapper');
    expect(urls).toEqual([`${server.url}/`]);
  });
});

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

describe('subscribe: ending', () => {
  it('close() ends the iteration, releases the connection and stops reconnecting', async () => {
    const server = await serve((req) => {
      openSse(req.res, 'retry: 10\ndata: hello\n\n');
    });
    const { subscription, states } = open(server.url);
    const iteration = drain(subscription);
    await until(() => subscription.state === 'open', 'open');
    await sleep(20);
    subscription.close();
    subscription.close();
    const { events, thrown } = await iteration;
    expect(events.map((event) => event.data)).toEqual(['hello']);
    expect(thrown).toBeUndefined();
    await server.requests[0]!.closed;
    expect(states).toEqual(['open', 'ended']);
    await sleep(60);
    expect(server.requests).toHaveLength(1);
  });

  it('an aborted signal closes it; an already aborted one sends nothing', async () => {
    const server = await serve((req) => {
      openSse(req.res, 'data: hello\n\n');
    });
    const controller = new AbortController();
    const { subscription } = open(server.url, { signal: controller.signal });
    const iteration = drain(subscription);
    await until(() => server.requests.length === 1 && subscription.state === 'open', 'open');
    controller.abort();
    expect(subscription.state).toBe('ended');
    expect((await iteration).thrown).toBeUndefined();
    await server.requests[0]!.closed;

    const before = server.requests.length;
    const { subscription: never, states } = open(server.url, { signal: controller.signal });
    expect(never.state).toBe('ended');
    expect(states).toEqual(['ended']);
    expect(await drain(never)).toEqual({ events: [], thrown: undefined });
    await sleep(50);
    expect(server.requests).toHaveLength(before);
  });

  it('close() while waiting to reconnect stops the wait at once', async () => {
    const server = await serve((req) => {
      openSse(req.res, 'retry: 60000\ndata: once\n\n');
      req.res.end();
    });
    const { subscription, states } = open(server.url);
    const iteration = drain(subscription);
    await until(() => subscription.state === 'retrying', 'retrying');
    const closing = Date.now();
    subscription.close();
    expect((await iteration).events.map((event) => event.data)).toEqual(['once']);
    expect(Date.now() - closing).toBeLessThan(30_000);
    expect(states).toEqual(['open', 'retrying', 'ended']);
  });
});

describe('subscribe: options are checked when it is called', () => {
  const cases: [string, SubscribeOptions, string][] = [
    ['retry', { retry: -1 }, 'ssekit: `retry` must be a number of ms from 0 to 2^31 - 1.'],
    ['maxRetryMs', { maxRetryMs: Number.NaN }, 'ssekit: `maxRetryMs` must be a number of ms from 0 to 2^31 - 1.'],
    ['inactivityMs', { inactivityMs: 2 ** 31 }, 'ssekit: `inactivityMs` must be a number of ms from 0 to 2^31 - 1.'],
    ['parse', { parse: 'xml' as 'json' }, "ssekit: `parse` must be 'json', 'text' or a function."],
    [
      'sendLastEventId',
      { sendLastEventId: 'cookie' as 'query' },
      "ssekit: `sendLastEventId` must be 'header' or 'query'.",
    ],
    [
      'fetch',
      { fetch: 42 as unknown as typeof fetch },
      'ssekit: `fetch` must be a function (this runtime has no global fetch).',
    ],
    [
      'body',
      { body: new ReadableStream() },
      'ssekit: `body` must be resendable (text, bytes, Blob, FormData), not a stream.',
    ],
    ['method', { method: 'GET', body: 'x' }, 'ssekit: `method` must be one that takes a body, e.g. POST.'],
    ['headers', { headers: { 'bad header': 'x' } }, 'ssekit: `headers` must be valid for fetch.'],
    ['lastEventId', { lastEventId: 'a\nb' }, 'ssekit: `lastEventId` must be free of CR, LF and NUL.'],
  ];
  it.each(cases)('refuses a bad %s with invalid_option', (_name, options, message) => {
    const attempt = (): unknown => subscribe('http://127.0.0.1:9/', options);
    expect(attempt).toThrow(SsekitClientError);
    expect(attempt).toThrow(message);
    try {
      attempt();
    } catch (error) {
      expect((error as SsekitClientError).code).toBe('invalid_option');
    }
  });

  it('refuses a URL that does not parse, with no page to resolve it against', () => {
    expect(() => subscribe('/events')).toThrow('ssekit: `url` must be valid for fetch.');
  });
});
