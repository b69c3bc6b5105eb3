import { afterEach, describe, expect, it } from 'vitest';
import { openSse, serve, sleep } from './support/servers.js';
import { closeAll, open, take } from './support/subscriptions.js';

afterEach(closeAll);

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
