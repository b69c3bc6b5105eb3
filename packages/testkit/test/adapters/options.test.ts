import { SsekitError, createHub } from '@ssekit/core';
import { describe, expect, it } from 'vitest';
import { ADAPTERS, SseClient, describeEachAdapter, request } from '@ssekit/testkit';

/** The error `make` rejects with. */
async function refusalOf(run: Promise<void>): Promise<SsekitError> {
  const caught = await run.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(caught).toBeInstanceOf(SsekitError);
  expect((caught as SsekitError).code).toBe('invalid_option');
  return caught as SsekitError;
}

describeEachAdapter('options are checked when the adapter is made', (adapter) => {
  const hub = createHub({ heartbeatMs: 0 });

  it.each([
    ['a negative retry', { retry: -5 }, '`retry` must be a non-negative integer of milliseconds; got -5.'],
    ['a fractional retry', { retry: 1.5 }, '`retry` must be a non-negative integer'],
    ['an empty topics list', { topics: [] }, '`topics` must be a non-empty list'],
    ['a malformed topic', { topics: ['a b'] }, '`topics` holds "a b"'],
    ['a topics string', { topics: 'news' }, '`topics` must be a non-empty list'],
    ['authorize that is not a function', { authorize: true }, '`authorize` must be a function.'],
    ['clientKey that is not a function', { clientKey: 'ip' }, '`clientKey` must be a function.'],
    ['onError that is not a function', { onError: 'log' }, '`onError` must be a function.'],
    [
      'a header with a line break',
      { headers: { 'x-a': 'b\r\nc' } },
      '`headers.x-a` must be a string without CR, LF or NUL.',
    ],
    ['a bad header name', { headers: { 'x a': 'b' } }, 'invalid header name "x a"'],
    ['a bad limitResponse', { limitResponse: 503 }, "`limitResponse` must be 'retry' or 429; got 503."],
    ['a negative limitRetryMs', { limitRetryMs: -1 }, '`limitRetryMs` must be a non-negative integer'],
    [
      'cors with a path in an origin',
      { cors: { origins: ['https://a.example/x'] } },
      '`cors.origins` entries are origins',
    ],
    [
      'cors * with credentials',
      { cors: { origins: ['*'], credentials: true } },
      "`cors.origins: ['*']` with `credentials: true`",
    ],
  ])('refuses %s, naming the option', async (_label, options, message) => {
    const error = await refusalOf(adapter.make({ hub, ...options }));
    expect(error.message.startsWith('ssekit: ')).toBe(true);
    expect(error.message).toContain(message);
  });

  it('refuses a limitRetryMs that is not a non-negative integer', async () => {
    for (const limitRetryMs of [-1, 1.5, Number.NaN]) {
      await expect(adapter.make({ hub, limitRetryMs })).rejects.toThrow(
        'ssekit: `limitRetryMs` must be a non-negative integer of milliseconds.',
      );
    }
  });

  it('refuses an unknown key, naming it and the option it resembles', async () => {
    const error = await refusalOf(adapter.make({ hub, topic: ['news'] }));
    expect(error.message).toContain('unknown option `topic`; did you mean `topics`?');
  });

  it('refuses a missing or wrong hub', async () => {
    expect((await refusalOf(adapter.make({}))).message).toContain('createHub()');
    expect((await refusalOf(adapter.make({ hub: {} }))).message).toContain('createHub()');
  });

  it('takes topics as a list, for every adapter', async () => {
    const server = await adapter.serve(hub, { topics: ['a', 'b'] });
    const client = await SseClient.connect(`${server.url}/events?topic=ignored`);
    try {
      await client.waitFor((c) => c.retries.length === 1);
      await hub.publish('b', { data: 'on b' });
      await hub.publish('ignored', { data: 'not here' });
      await hub.publish('a', { data: 'on a' });
      await client.waitFor((c) => c.events.length === 2);
      expect(client.events.map((event) => event.data)).toEqual(['on b', 'on a']);
    } finally {
      client.close();
    }
  });

  it('answers 500 with a hidden message when authorize returns no list, and says why to onError', async () => {
    const reported: unknown[] = [];
    const server = await adapter.serve(hub, {
      // What a JavaScript caller can pass, past the types.
      authorize: (() => true) as unknown as () => string[],
      onError: (err) => reported.push(err),
    });
    const answer = await request(`${server.url}/events`, { headers: { accept: 'text/event-stream' } });
    expect(answer.status).toBe(500);
    expect(answer.json).toEqual({ error: 'ssekit: internal error' });
    expect(reported).toHaveLength(1);
    expect((reported[0] as Error).message).toContain('`authorize` must return the list of topics');
  });
});

describe('the shared option list', () => {
  it('is the one every adapter checks: the same keys are refused as unknown by all', async () => {
    const hub = createHub({ heartbeatMs: 0 });
    for (const adapter of ADAPTERS) {
      await expect(adapter.make({ hub, retries: 1 })).rejects.toThrow(
        'unknown option `retries`; did you mean `retry`?',
      );
    }
  });
});
