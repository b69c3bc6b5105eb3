import { SsekitError } from '@ssekit/core';
import {
  RETRY,
  describeEachAdapter,
  openClient,
  refusalBody,
  refusalHeaders,
  request,
  stable,
  testHub,
  wireFrame,
} from '@ssekit/testkit';
import type { Adapter, MatrixServer } from '@ssekit/testkit';
import { afterEach, beforeEach, expect, it, vi } from 'vitest';
import type { MockInstance } from 'vitest';

const INTERNAL = refusalBody('ssekit: internal error');
const NO_TOPIC = 'ssekit: no topic of this request may be received.';

/** The codes of what reached the framework's error channel (none where the adapter answers). */
function codes(adapter: Adapter, server: MatrixServer, expected: string[]): void {
  expect(server.errors.map((err) => (err instanceof SsekitError ? err.code : err))).toEqual(
    adapter.errorChannel ? expected : [],
  );
}

describeEachAdapter('authorize and refusals', (adapter) => {
  // 5xx refusals are logged by the adapters that answer them; the tests check what is logged.
  let logged: MockInstance<typeof console.error>;
  beforeEach(() => {
    logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    logged.mockRestore();
  });

  /** What the adapter logged of 5xx refusals: where it answers them itself, each one. */
  function expectLogged(errors: unknown[]): void {
    expect((logged.mock.calls as unknown[][]).map(([message, , error]) => [message, error])).toEqual(
      adapter.errorChannel ? [] : errors.map((error) => ['ssekit: a stream request failed', error]),
    );
  }

  it('lets authorize narrow the topics, given the request and the requested topics', async () => {
    const hub = testHub();
    const seen: [string | undefined, string[]][] = [];
    const server = await adapter.serve(hub, {
      authorize: (req, topics) => {
        seen.push([adapter.header(req, 'x-user'), [...topics]]);
        return topics.filter((topic) => topic !== 'secret');
      },
    });
    const client = await openClient(
      `${server.url}/events?topic=public&topic=secret`,
      { headers: { 'x-user': 'ann' } },
      RETRY,
    );
    expect(seen).toEqual([['ann', ['public', 'secret']]]);
    expect(hub.stats().topics).toEqual({ public: 1 });
    await hub.publish('secret', { data: 'hidden' });
    const { id } = await hub.publish('public', { data: 'shown' });
    await client.waitFor((c) => c.raw === RETRY + wireFrame(id, 'shown'), 5000, 'the public event');
  });

  it('ignores topics authorize returns that the client did not ask for', async () => {
    const hub = testHub();
    const server = await adapter.serve(hub, { authorize: () => ['news', 'user:ada', 'admin'] });
    const client = await openClient(`${server.url}/events?topic=news&topic=sports`, {}, RETRY);
    expect(hub.stats().topics).toEqual({ news: 1 });
    await hub.publish('admin', { data: 'not asked for' });
    const { id } = await hub.publish('news', { data: 'asked and allowed' });
    await client.waitFor((c) => c.raw === RETRY + wireFrame(id, 'asked and allowed'), 5000, 'the news event');
  });

  it('replays history only on the topics authorize allowed', async () => {
    const hub = testHub();
    const server = await adapter.serve(hub, {
      authorize: (_req, topics) => topics.filter((topic) => topic !== 'secret'),
    });
    const start = await hub.publish('public', { data: 'before' });
    await hub.publish('secret', { data: 'private history' });
    const shown = await hub.publish('public', { data: 'missed' });
    const client = await openClient(`${server.url}/events?topic=public&topic=secret`, { lastEventId: start.id });
    await client.waitFor((c) => c.raw === RETRY + wireFrame(shown.id, 'missed'), 5000, 'the public replay');
  });

  it('answers 403 with a JSON error and no stream byte when an async authorize refuses', async () => {
    const hub = testHub();
    const server = await adapter.serve(hub, {
      authorize: async (req) => {
        await Promise.resolve();
        if (adapter.header(req, 'authorization') !== 'Bearer ok') {
          throw new SsekitError('forbidden', 'ssekit: sign in to read these topics.');
        }
        return ['default'];
      },
    });
    const answer = await request(`${server.url}/events`);
    expect(answer.status).toBe(403);
    expect(answer.text).toBe('{"error":"ssekit: sign in to read these topics."}');
    expect(stable(answer.headers)).toEqual(refusalHeaders(answer.text));
    expect(hub.stats().connections).toBe(0);
    const allowed = await openClient(`${server.url}/events`, { headers: { authorization: 'Bearer ok' } }, RETRY);
    expect(allowed.status).toBe(200);
    codes(adapter, server, ['forbidden']);
  });

  it('refuses more topics than maxTopicsPerStream before authorize runs, and gives it each topic once', async () => {
    const hub = testHub({ maxTopicsPerStream: 2 });
    const seen: string[][] = [];
    const server = await adapter.serve(hub, {
      authorize: (_req, topics) => {
        seen.push([...topics]);
        return topics;
      },
    });
    const answer = await request(`${server.url}/events?topic=a&topic=b&topic=c`);
    expect(answer.status).toBe(400);
    expect(answer.text).toBe(
      refusalBody(
        "ssekit: a stream may receive at most 2 topics; this one asks for 3. Ask for fewer, or raise the hub's `maxTopicsPerStream`.",
      ),
    );
    expect(seen).toEqual([]);
    const client = await openClient(`${server.url}/events?topic=a&topic=b&topic=a`, {}, RETRY);
    expect(seen).toEqual([['a', 'b']]);
    expect(hub.stats().topics).toEqual({ a: 1, b: 1 });
    client.close();
    codes(adapter, server, ['invalid_topic']);
  });

  it('answers 403 when authorize leaves no topic', async () => {
    const hub = testHub();
    const server = await adapter.serve(hub, { authorize: (_req, topics) => topics.filter((t) => t !== 'secret') });
    const answer = await request(`${server.url}/events?topic=secret`);
    expect(answer.status).toBe(403);
    expect(answer.text).toBe(refusalBody(NO_TOPIC));
    expect(stable(answer.headers)).toEqual(refusalHeaders(answer.text));
    const none = await adapter.serve(hub, { authorize: () => [] });
    const empty = await request(`${none.url}/events?topic=a`);
    expect([empty.status, empty.text]).toEqual([403, refusalBody(NO_TOPIC)]);
    expect(hub.stats().connections).toBe(0);
    codes(adapter, server, ['forbidden']);
  });

  it("answers 401 to SsekitError('unauthorized'), 403 to 'forbidden'", async () => {
    const hub = testHub();
    const server = await adapter.serve(hub, {
      authorize: (req) => {
        if (adapter.header(req, 'authorization') === undefined) {
          throw new SsekitError('unauthorized', 'ssekit: sign in first.');
        }
        throw new SsekitError('forbidden', 'ssekit: not for you.');
      },
    });
    const anonymous = await request(`${server.url}/events`);
    expect([anonymous.status, anonymous.text]).toEqual([401, refusalBody('ssekit: sign in first.')]);
    expect(stable(anonymous.headers)).toEqual(refusalHeaders(anonymous.text));
    const signedIn = await request(`${server.url}/events`, { headers: { authorization: 'Bearer x' } });
    expect([signedIn.status, signedIn.text]).toEqual([403, refusalBody('ssekit: not for you.')]);
    expect(stable(signedIn.headers)).toEqual(refusalHeaders(signedIn.text));
    codes(adapter, server, ['unauthorized', 'forbidden']);
  });

  it('answers with the status of any error authorize throws or rejects with, hiding 5xx messages', async () => {
    const hub = testHub();
    const crash = new Error('database password is hunter2');
    const server = await adapter.serve(hub, {
      authorize: (req) => {
        if (adapter.header(req, 'x-case') === 'crash') throw crash;
        if (adapter.header(req, 'x-case') === 'reject') {
          return Promise.reject(Object.assign(new Error('who are you?'), { status: 401 }));
        }
        throw Object.assign(new Error('ssekit: log in first.'), { status: 401 });
      },
    });
    const thrown = await request(`${server.url}/events`);
    expect([thrown.status, thrown.text]).toEqual([401, '{"error":"ssekit: log in first."}']);
    expect(stable(thrown.headers)).toEqual(refusalHeaders(thrown.text));
    const rejected = await request(`${server.url}/events`, { headers: { 'x-case': 'reject' } });
    expect([rejected.status, rejected.text]).toEqual([401, '{"error":"who are you?"}']);
    const crashed = await request(`${server.url}/events`, { headers: { 'x-case': 'crash' } });
    expect([crashed.status, crashed.text]).toEqual([500, INTERNAL]);
    expect(stable(crashed.headers)).toEqual(refusalHeaders(crashed.text));
    expect(hub.stats().connections).toBe(0);
    expectLogged([crash]);
  });

  it('answers with the status of a topics function that rejects, showing an SsekitError(unavailable) message written to be shown', async () => {
    const hub = testHub();
    const down = new SsekitError('unavailable', 'ssekit: the directory is down; retry later.');
    const server = await adapter.serve(hub, { topics: () => Promise.reject(down) });
    const answer = await request(`${server.url}/events`);
    expect(answer.status).toBe(503);
    // ssekit's `unavailable` messages say what to do and keep a backend's detail in `cause`.
    expect(answer.text).toBe(refusalBody('ssekit: the directory is down; retry later.'));
    expect(stable(answer.headers)).toEqual(refusalHeaders(answer.text));
    expect(hub.stats().connections).toBe(0);
    codes(adapter, server, ['unavailable']);
    expectLogged([down]);
  });

  it('reports 5xx failures to onError with the request, not refusals, and still answers both', async () => {
    const hub = testHub();
    const reported: [unknown, string][] = [];
    const boom = new Error('database down');
    const server = await adapter.serve(hub, {
      authorize: (req) => {
        if (adapter.url(req).includes('crash')) throw boom;
        throw new SsekitError('forbidden', 'ssekit: no.');
      },
      onError: (err, req) => {
        reported.push([err, adapter.url(req)]);
        throw new Error('the reporter failed too');
      },
    });
    const crashed = await request(`${server.url}/events?crash=1`);
    expect([crashed.status, crashed.text]).toEqual([500, INTERNAL]);
    const refused = await request(`${server.url}/events`);
    expect([refused.status, refused.text]).toEqual([403, refusalBody('ssekit: no.')]);
    expect(reported).toEqual([[boom, '/events?crash=1']]);
    expect(server.errors).toEqual(adapter.errorChannel ? [boom, expect.any(SsekitError)] : []);
    // onError replaces the adapter's own logging.
    expectLogged([]);
  });

  it('answers 503 once the hub is closed', async () => {
    const hub = testHub();
    const server = await adapter.serve(hub);
    await hub.close();
    const answer = await request(`${server.url}/events`);
    expect(answer.status).toBe(503);
    expect(answer.text).toBe(refusalBody('ssekit: the server is shutting down; reconnect later.'));
    expect(stable(answer.headers)).toEqual(refusalHeaders(answer.text));
    codes(adapter, server, ['closed']);
    expect(logged.mock.calls).toHaveLength(adapter.errorChannel ? 0 : 1);
  });
});
