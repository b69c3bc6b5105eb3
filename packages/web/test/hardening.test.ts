import { SsekitError } from '@ssekit/core';
import type { CorsOptions } from '@ssekit/core';
import { FORBIDDEN_ORIGIN, refusalBody } from '@ssekit/testkit';
import { describe, expect, it } from 'vitest';
import { errorResponse, ssePreflight, sseResponse } from '../src/index.js';
import { BodyReader, RETRY, call, get, hubFor, refusalOf, tick } from './support.js';

// What sseHandler answers on the wire (limits, CORS, preflights) runs in the adapter matrix
// (packages/testkit/test/adapters); this is sseResponse, ssePreflight and errorResponse.

const APP = 'https://app.example.com';
const WILDCARD =
  "ssekit: `cors.origins: ['*']` with `credentials: true` would let every site read your users' streams; list the origins.";

describe('connection limits', () => {
  it('subscribes when sseResponse is called with limitResponse 429, except for HEAD', async () => {
    const hub = hubFor({ maxConnections: 1 });
    const options = { hub, limitResponse: 429 } as const;
    const head = await sseResponse(get('/events', { method: 'HEAD' }), options);
    await tick();
    expect(hub.stats().connections).toBe(0);
    const response = await sseResponse(get('/events'), options);
    expect(hub.stats().connections).toBe(1);
    const err = await refusalOf(sseResponse(get('/events'), options), 'too_many_connections');
    expect(Object.keys((err as SsekitError & { headers: object }).headers)).toEqual(['retry-after']);
    // The hint written at subscription waited in the body for the first read.
    const body = new BodyReader(response.body);
    expect(await body.read()).toBe(RETRY);
    expect(head.status).toBe(200);
  });
});

describe('cors', () => {
  it('is checked by the hand-driven form too, before the Response exists', () => {
    const cors = { origins: [APP] };
    let caught: unknown;
    try {
      sseResponse(get('/ticks', { headers: { origin: 'https://evil.example' } }), () => undefined, { cors });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(SsekitError);
    expect([(caught as SsekitError).code, (caught as SsekitError).message]).toEqual(['forbidden', FORBIDDEN_ORIGIN]);
  });

  it('never allows * with credentials, in sseResponse or ssePreflight', async () => {
    const wildcard: CorsOptions = { origins: ['*'], credentials: true };
    await expect(call(() => sseResponse(get('/events'), { hub: hubFor(), cors: wildcard }))).rejects.toThrow(WILDCARD);
    expect(() => ssePreflight(get('/events', { method: 'OPTIONS' }), wildcard)).toThrow(WILDCARD);
  });

  it('answers preflights with ssePreflight(request, cors): 204 for an allowed origin, 403 otherwise', async () => {
    const cors = { origins: [APP], credentials: true, maxAgeSeconds: 120 };
    const preflight = (origin: string): Response =>
      ssePreflight(
        get('/events', {
          method: 'OPTIONS',
          headers: {
            origin,
            'access-control-request-method': 'GET',
            'access-control-request-headers': 'last-event-id',
          },
        }),
        cors,
      );
    const allowed = preflight(APP);
    expect([allowed.status, await allowed.text()]).toEqual([204, '']);
    expect([...allowed.headers]).toEqual([
      ['access-control-allow-credentials', 'true'],
      ['access-control-allow-headers', 'Last-Event-ID, Cache-Control'],
      ['access-control-allow-methods', 'GET'],
      ['access-control-allow-origin', APP],
      ['access-control-max-age', '120'],
      ['content-length', '0'],
      ['vary', 'Origin'],
    ]);
    const other = preflight('https://evil.example');
    expect([other.status, await other.text()]).toEqual([403, refusalBody(FORBIDDEN_ORIGIN)]);
    expect([...other.headers]).toEqual([
      ['content-type', 'application/json; charset=utf-8'],
      ['vary', 'Origin'],
    ]);
  });
});

describe('errorResponse', () => {
  it("sends the error's headers, leaving out invalid ones, with its own content type", async () => {
    const err = Object.assign(new SsekitError('too_many_connections', 'ssekit: later.'), {
      headers: { 'retry-after': '30', 'bad header': 'x', 'content-type': 'text/html', count: 3 },
    });
    const response = errorResponse(err);
    expect(response.status).toBe(429);
    expect([...response.headers]).toEqual([
      ['content-type', 'application/json; charset=utf-8'],
      ['retry-after', '30'],
    ]);
    expect(await response.text()).toBe('{"error":"ssekit: later."}');
  });
});
