import http from 'node:http';
import { SsekitError, assertTopic, parseLastEventId } from '@ssekit/core';
import type { Hub } from '@ssekit/core';
import { statusOf } from '@ssekit/node';
import type { ExpressSseOptions } from '../src/index.js';
import type { NextFunction, Request, Response } from 'express';
import request from 'supertest';
import { describe, expect, it, vi } from 'vitest';
import { sse } from '../src/index.js';
import { EXPRESS_VERSIONS, eventually, messageOf, serve, testHub } from './support.js';
import type { ExpressFactory } from './support.js';

/** The HTML page Express's default error handler answers with in production, for `status`. */
function expressErrorPage(status: number): string {
  return (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>Error</title>\n</head>\n<body>\n' +
    `<pre>${http.STATUS_CODES[status] ?? ''}</pre>\n</body>\n</html>\n`
  );
}

const BAD_ID = messageOf(() => parseLastEventId('bad id'));
const BAD_TOPIC = messageOf(() => {
  assertTopic('bad topic');
});
const NO_TOPIC = 'ssekit: no topic of this request may be received.';

describe.each(EXPRESS_VERSIONS)('%s', (_name, express) => {
  /** An app whose error handler answers `{ error, code }` with the error's status. */
  async function appWith(
    mount: (app: ReturnType<ExpressFactory>) => void,
  ): Promise<{ url: string; errors: unknown[] }> {
    const app = express();
    const errors: unknown[] = [];
    mount(app);

    app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
      errors.push(err);
      if (res.headersSent) {
        res.end();
        return;
      }
      res.status(statusOf(err)).json({ error: (err as Error).message, code: (err as { code?: string }).code });
    });
    const { url } = await serve(app);
    return { url, errors };
  }

  function hubRoute(hub: Hub, options: Omit<ExpressSseOptions, 'hub'> = {}) {
    return (app: ReturnType<ExpressFactory>): void => {
      app.get('/events', sse({ hub, ...options }));
    };
  }

  const cases: [string, Omit<ExpressSseOptions, 'hub'>, string, Record<string, string>, number, object][] = [
    [
      'a Last-Event-ID outside the id grammar',
      {},
      '/events',
      { 'last-event-id': 'bad id' },
      400,
      { error: BAD_ID, code: 'invalid_last_event_id' },
    ],
    [
      'a ?lastEventId= outside the id grammar',
      {},
      '/events?lastEventId=a%0Db',
      {},
      400,
      { error: BAD_ID, code: 'invalid_last_event_id' },
    ],
    ['a bad ?topic=', {}, '/events?topic=bad%20topic', {}, 400, { error: BAD_TOPIC, code: 'invalid_topic' }],
    ['authorize leaving no topic', { authorize: () => [] }, '/events', {}, 403, { error: NO_TOPIC, code: 'forbidden' }],
    [
      'authorize throwing an SsekitError',
      {
        authorize: (req) => {
          if (req.get('authorization') === undefined) throw new SsekitError('forbidden', 'ssekit: sign in first.');
          return ['default'];
        },
      },
      '/events',
      {},
      403,
      { error: 'ssekit: sign in first.', code: 'forbidden' },
    ],
    [
      'authorize rejecting with an error that has a status',
      { authorize: () => Promise.reject(Object.assign(new Error('who are you?'), { status: 401 })) },
      '/events',
      {},
      401,
      { error: 'who are you?' },
    ],
    [
      'the topic resolver rejecting',
      { topics: () => Promise.reject(new SsekitError('unavailable', 'ssekit: the directory is down; retry later.')) },
      '/events',
      {},
      503,
      { error: 'ssekit: the directory is down; retry later.', code: 'unavailable' },
    ],
  ];

  describe('refusals before the stream starts go to next(err) with a status', () => {
    for (const [label, options, path, headers, status, body] of cases) {
      it(`answers ${status} for ${label}`, async () => {
        const hub = testHub();
        const { url, errors } = await appWith(hubRoute(hub, options));

        const answer = await request(url).get(path).set(headers);

        expect(answer.status).toBe(status);
        expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
        expect(answer.body).toEqual(body);
        expect(errors).toHaveLength(1);
        expect(hub.stats().connections).toBe(0);
      });
    }

    it('answers 503 once the hub is closed', async () => {
      const hub = testHub();
      const { url } = await appWith(hubRoute(hub));
      await hub.close();

      const answer = await request(url).get('/events');

      expect(answer.status).toBe(503);
      expect(answer.body).toEqual({ error: 'ssekit: the server is shutting down; reconnect later.', code: 'closed' });
    });

    for (const mode of ['hub', 'hand-driven'] as const) {
      it(`passes headers_sent to next() when something wrote first (${mode})`, async () => {
        const hub = testHub();
        const handler = vi.fn();
        const { url, errors } = await appWith((app) => {
          app.get(
            '/events',
            (_req, res, next) => {
              res.writeHead(200, { 'content-type': 'text/plain' });
              res.write('too early\n');
              next();
            },
            mode === 'hub' ? sse({ hub }) : sse(handler),
          );
        });

        const answer = await request(url).get('/events');

        expect(answer.text).toBe('too early\n');
        expect(errors.map((err) => [(err as SsekitError).code, (err as SsekitError).status])).toEqual([
          ['headers_sent', 500],
        ]);
        expect(handler).not.toHaveBeenCalled();
        expect(hub.stats().connections).toBe(0);
      });
    }
  });

  describe("Express's default error handler", () => {
    it('answers with the error status, and logs the error', async () => {
      const hub = testHub();
      const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
      try {
        const app = express();
        app.set('env', 'production');
        const router = express.Router();
        router.get('/events', sse({ hub, authorize: () => [] }));
        app.use(router);
        const { url } = await serve(app);

        const refused = await request(url).get('/events');
        const badId = await request(url).get('/events').set('last-event-id', 'x'.repeat(200));

        expect([refused.status, refused.headers['content-type'], refused.text]).toEqual([
          403,
          'text/html; charset=utf-8',
          expressErrorPage(403),
        ]);
        expect([badId.status, badId.text]).toEqual([400, expressErrorPage(400)]);
        // Express logs from a setImmediate after answering.
        await eventually(() => logged.mock.calls.length === 2, 'two logged errors');
        expect(logged.mock.calls.map(([stack]) => String(stack).split('\n')[0])).toEqual([
          `SsekitError: ${NO_TOPIC}`,
          `SsekitError: ${messageOf(() => parseLastEventId('x'.repeat(200)))}`,
        ]);
      } finally {
        logged.mockRestore();
      }
    });
  });

  it('throws at once for sse() without a hub or a handler', () => {
    expect(() => sse({} as ExpressSseOptions)).toThrow(
      new SsekitError(
        'invalid_option',
        'ssekit: sse() takes { hub } to subscribe requests to a hub, or a function (stream, req, res) to drive a stream by hand.',
      ),
    );
  });
});
