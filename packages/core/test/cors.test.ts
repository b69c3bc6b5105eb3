import { describe, expect, it } from 'vitest';
import {
  SsekitError,
  assertCorsOptions,
  assertLimitRetry,
  checkCors,
  checkPreflight,
  limitRetryDelay,
  retryLaterBody,
} from '../src/index.js';

const APP = 'https://app.example.com';

describe('checkCors', () => {
  it('names an allowed origin with Vary, and credentials only when asked', () => {
    expect(checkCors({ origins: ['https://App.example.com/'], credentials: true }, APP)).toEqual({
      allowed: true,
      headers: { vary: 'Origin', 'access-control-allow-origin': APP, 'access-control-allow-credentials': 'true' },
    });
    expect(checkCors({ origins: [APP] }, APP)).toEqual({
      allowed: true,
      headers: { vary: 'Origin', 'access-control-allow-origin': APP },
    });
  });

  it('lets a request without Origin through with Vary only, and refuses other origins', () => {
    expect(checkCors({ origins: [APP] }, undefined)).toEqual({ allowed: true, headers: { vary: 'Origin' } });
    expect(checkCors({ origins: [APP] }, 'https://evil.example')).toEqual({
      allowed: false,
      headers: { vary: 'Origin' },
    });
    expect(checkCors({ origins: (origin) => origin.endsWith('.example.com') }, 'https://x.example.com').allowed).toBe(
      true,
    );
  });

  it('refuses a wildcard with credentials, entries that are not origins and a bad max age', () => {
    expect(() => {
      assertCorsOptions({ origins: ['*'], credentials: true });
    }).toThrow(
      "ssekit: `cors.origins: ['*']` with `credentials: true` would let every site read your users' streams; list the origins.",
    );
    for (const entry of ['app.example.com', 'https://app.example.com/path', 'https://app.example.com?x=1']) {
      expect(() => {
        assertCorsOptions({ origins: [entry] });
      }).toThrow(SsekitError);
    }
    expect(() => {
      assertCorsOptions({ origins: [APP], maxAgeSeconds: -1 });
    }).toThrow('ssekit: `cors.maxAgeSeconds` must be a non-negative integer.');
  });
});

describe('checkPreflight', () => {
  it('allows a listed origin with the method, headers and max age; refuses no Origin and others', () => {
    expect(checkPreflight({ origins: [APP], allowHeaders: ['Authorization'], maxAgeSeconds: 60 }, APP)).toEqual({
      allowed: true,
      headers: {
        'access-control-allow-origin': APP,
        'access-control-allow-methods': 'GET',
        'access-control-allow-headers': 'Authorization',
        'access-control-max-age': '60',
        vary: 'Origin',
      },
    });
    expect(checkPreflight({ origins: ['*'] }, undefined)).toEqual({ allowed: false, headers: { vary: 'Origin' } });
    expect(checkPreflight({ origins: [APP] }, 'https://evil.example').allowed).toBe(false);
  });
});

describe('the retry answer over a connection limit', () => {
  it('is a comment and a retry hint', () => {
    expect(retryLaterBody(31_234)).toBe(': too many connections, retry later\nretry: 31234\n');
  });

  it('waits the base plus up to half as much again', () => {
    for (let n = 0; n < 200; n++) {
      const delay = limitRetryDelay(1000);
      expect(Number.isSafeInteger(delay) && delay >= 1000 && delay <= 1500).toBe(true);
    }
    expect(limitRetryDelay(0)).toBe(0);
    expect(() => {
      assertLimitRetry(1.5);
    }).toThrow('ssekit: `limitRetryMs` must be a non-negative integer of milliseconds.');
  });
});
