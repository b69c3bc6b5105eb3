import http from 'node:http';
import { SsekitError, parseLastEventId } from '@ssekit/core';
import { eventually, messageOf, testHub } from '@ssekit/testkit';
import type { NextFunction, Request, Response } from 'express';
import request from 'supertest';
import { describe, expect, it, vi } from 'vitest';
import { sse } from '../src/index.js';
import type { ExpressSseOptions } from '../src/index.js';
import { EXPRESS_VERSIONS, serve } from './support.js';

/** The HTML page Express's default error handler answers with in production, for `status`. */
function expressErrorPage(status: number): string {
  return (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n' +
    `<pre>${http.STATUS_CODES[status] ?? ''}</pre>\n</body>\n</html>\n`
  );
}

const NO_TOPIC = 'ssekit: no topic of this request may be received.';

describe.each(EXPRESS_VERSIONS)('%s', (_name, express) => {
  describe("Express's default error handler", () => {
    it('answers refusals with their status, and logs them', async () => {
      const hub = testHub();
      const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
      try {
        const app = express();
        app.set('env', 'production');
        const router = express.Router();
        router.get('/events', sse({ hub, authorize: () => [] }));
        router.get(
          '/private',
          sse({
            hub,
            authorize: () => {
              throw new SsekitError('unauthorized', 'ssekit: sign in first.');
            },
          }),
        );
        app.use(router);
        const { url } = await serve(app);

        const refused = await request(url).get('/events');
        const badId = await request(url).get('/events').set('last-event-id', 'x'.repeat(200));
        const anonymous = await request(url).get('/private');

        expect([refused.status, refused.headers['content-type'], refused.text]).toEqual([
          403,
          'text/html; charset=utf-8',
          expressErrorPage(403),
        ]);
        expect([badId.status, badId.text]).toEqual([400, expressErrorPage(400)]);
        expect([anonymous.status, anonymous.text]).toEqual([401, expressErrorPage(401)]);
        // Express logs from a setImmediate after answering.
        await eventually(() => logged.mock.calls.length === 3, 'three logged errors');
        expect(logged.mock.calls.map(([stack]) => String(stack).split('\n')[0])).toEqual([
          `SsekitError: ${NO_TOPIC}`,
          `SsekitError: ${messageOf(() => parseLastEventId('x'.repeat(200)))}`,
          'SsekitError: ssekit: sign in first.',
        ]);
      } finally {
        logged.mockRestore();
      }
    });
  });

  it('passes headers_sent to next() when something wrote before a hand-driven stream', async () => {
    const app = express();
    const errors: unknown[] = [];
    const handler = vi.fn();
    app.get(
      '/ticks',
      (_req, res, next) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('too early\n');
        next();
      },
      sse(handler),
    );
    app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
      errors.push(err);
      res.end();
    });
    const { url } = await serve(app);

    const answer = await request(url).get('/ticks');

    expect(answer.text).toBe('too early\n');
    expect(errors.map((err) => [(err as SsekitError).code, (err as SsekitError).status])).toEqual([
      ['headers_sent', 500],
    ]);
    expect(handler).not.toHaveBeenCalled();
  });

  it('throws at once for sse() without options or a handler, and for options without a hub', () => {
    expect(() => sse(undefined as unknown as ExpressSseOptions)).toThrow(
      new SsekitError(
        'invalid_option',
        'ssekit: sse() takes { hub } to subscribe requests to a hub, or a function (stream, req, res) to drive a stream by hand.',
      ),
    );
    expect(() => sse({} as ExpressSseOptions)).toThrow(
      new SsekitError('invalid_option', 'ssekit: sse(): `hub` must be a hub: pass { hub: createHub() }.'),
    );
  });
});
