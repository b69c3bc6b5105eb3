import { afterEach, describe, expect, it } from 'vitest';
import { subscribe, SsekitClientError } from '../src/index.js';
import type { SubscribeOptions } from '../src/index.js';
import { closeAll } from './support/subscriptions.js';

afterEach(closeAll);

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
