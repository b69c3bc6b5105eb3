import { refusalAnswer } from '@ssekit/core';
import { writeAnswer } from '@ssekit/node';
import {
  FORBIDDEN_ORIGIN,
  RETRY,
  allowedPreflight,
  openClient,
  preflight,
  refusalBody,
  request,
  stable,
  testHub,
} from '@ssekit/testkit';
import type { NextFunction, Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { sse, ssePreflight } from '../src/index.js';
import { EXPRESS_VERSIONS, serve } from './support.js';

const APP = 'https://app.example.com';

describe.each(EXPRESS_VERSIONS)('%s', (_name, express) => {
  it("keys clients by req.ip by default, which honours Express's trust proxy", async () => {
    const hub = testHub({ maxConnectionsPerClient: 1 });
    const app = express();
    app.set('trust proxy', 'loopback');
    app.get('/events', sse({ hub, limitResponse: 429 }));
    app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
      writeAnswer(req, res, refusalAnswer(err));
    });
    const { url } = await serve(app);
    await openClient(`${url}/events`, { headers: { 'x-forwarded-for': '203.0.113.1' } }, RETRY);
    await openClient(`${url}/events`, { headers: { 'x-forwarded-for': '203.0.113.2' } }, RETRY);
    const again = await request(`${url}/events`, { headers: { 'x-forwarded-for': '203.0.113.1' } });
    expect(again.status).toBe(429);
    expect(hub.stats()).toMatchObject({ connections: 2, rejected: 1 });
  });

  it('needs ssePreflight() beside app.get, which never sees OPTIONS', async () => {
    const cors = { origins: [APP], credentials: true };
    const app = express();
    app.get('/events', sse({ hub: testHub(), cors }));
    const { url } = await serve(app);
    // Express's own OPTIONS answer: no Access-Control header, so the browser would refuse.
    const unanswered = await preflight(`${url}/events`, APP);
    expect(unanswered.status).toBe(200);
    expect(unanswered.headers['access-control-allow-origin']).toBe(undefined);
  });

  it('answers OPTIONS preflights itself when mounted with app.use on a path', async () => {
    const hub = testHub();
    const app = express();
    app.disable('x-powered-by');
    app.use('/events', sse({ hub, cors: { origins: [APP], credentials: true } }));
    const { url } = await serve(app);
    const allowed = await preflight(`${url}/events`, APP);
    expect([allowed.status, allowed.text]).toEqual([204, '']);
    expect(stable(allowed.headers)).toEqual({
      ...allowedPreflight(APP, { credentials: true }),
      'content-length': '0',
      connection: 'close',
    });
    const other = await preflight(`${url}/events`, 'https://evil.example');
    expect([other.status, other.text]).toEqual([403, refusalBody(FORBIDDEN_ORIGIN)]);
    expect(hub.stats().connections).toBe(0);
  });

  it('refuses a wildcard with credentials in ssePreflight() at once', () => {
    expect(() => ssePreflight({ origins: ['*'], credentials: true })).toThrow(
      "ssekit: `cors.origins: ['*']` with `credentials: true` would let every site read your users' streams; list the origins.",
    );
  });
});
