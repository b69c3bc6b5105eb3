import type { SseStream } from '@ssekit/core';
import type { NextFunction, Request, Response } from 'express';
import { RETRY, eventually, openClient, testHub, wireFrame } from '@ssekit/testkit';
import type { SseClient } from '@ssekit/testkit';
import { describe, expect, it, vi } from 'vitest';
import { sse } from '../src/index.js';
import { EXPRESS_VERSIONS, serve } from './support.js';

/** Opens a stream and waits until it starts with `firstBytes`. */
async function connect(
  url: string,
  options: { headers?: Record<string, string> } = {},
  firstBytes = RETRY,
): Promise<SseClient> {
  const client = await openClient(url, options);
  await client.waitFor((c) => c.raw.startsWith(firstBytes), 5000, JSON.stringify(firstBytes));
  return client;
}

const HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
  connection: 'keep-alive',
};

describe.each(EXPRESS_VERSIONS)('%s', (_name, express) => {
  describe('sse({ hub })', () => {
    it('subscribes a request mounted with app.use', async () => {
      const hub = testHub();
      const app = express();
      app.use('/events', sse({ hub }));
      const { url } = await serve(app);

      const client = await connect(`${url}/events?topic=news`);
      expect(client.status).toBe(200);
      expect(client.headers).toMatchObject(HEADERS);
      expect(hub.stats().topics).toEqual({ news: 1 });
      const published = await hub.publish('news', { event: 'headline', data: { title: 'hi' } });
      await client.waitForEvents(1);

      expect(published.delivered).toBe(1);
      expect(client.raw).toBe(RETRY + wireFrame(published.id, '{"title":"hi"}', 'headline'));
    });

    it('subscribes a request routed with router.get, and only for GET', async () => {
      const hub = testHub();
      const app = express();
      const router = express.Router();
      router.get('/events', sse({ hub }));
      app.use('/api', router);
      const { url } = await serve(app);

      const client = await connect(`${url}/api/events?topic=a&topic=b`);
      const onA = await hub.publish('a', { data: 'to a' });
      const onB = await hub.publish('b', { data: 'to b' });
      await client.waitForEvents(2);

      expect(client.raw).toBe(RETRY + wireFrame(onA.id, 'to a') + wireFrame(onB.id, 'to b'));
      const post = await fetch(`${url}/api/events`, { method: 'POST' });
      expect(post.status).toBe(404);
      expect(hub.stats().connections).toBe(1);
    });

    it('gives the topics and authorize hooks the Express request, and applies retry and headers', async () => {
      const hub = testHub();
      const app = express();
      const seen: string[] = [];
      app.get(
        '/rooms/:room/events',
        sse({
          hub,
          topics: (req) => [`room-${String(req.params.room)}`, 'lobby'],
          authorize: (req, topics) => {
            seen.push(`${req.get('x-user') ?? ''} ${topics.join(',')}`);
            return topics.filter((topic) => topic !== 'lobby');
          },
          retry: 1234,
          headers: { 'access-control-allow-origin': '*' },
        }),
      );
      const { url } = await serve(app);

      const client = await connect(`${url}/rooms/blue/events`, { headers: { 'x-user': 'ann' } }, 'retry: 1234\n');
      const published = await hub.publish('room-blue', { data: 'hello blue' });
      await hub.publish('lobby', { data: 'not for ann' });
      await client.waitForEvents(1);

      expect(seen).toEqual(['ann room-blue,lobby']);
      expect(client.headers['access-control-allow-origin']).toBe('*');
      expect(hub.stats().topics).toEqual({ 'room-blue': 1 });
      expect(client.raw).toBe('retry: 1234\n' + wireFrame(published.id, 'hello blue'));
    });

    it('sets res.sse to the subscription, and leaves it undefined on other routes', async () => {
      const hub = testHub();
      const app = express();
      const responses: Response[] = [];
      app.use((_req, res, next) => {
        responses.push(res);
        next();
      });
      app.get('/events', sse({ hub }));
      app.get('/plain', (_req, res) => {
        res.json({ hasSse: res.sse !== undefined });
      });
      const { url } = await serve(app);

      const client = await connect(`${url}/events`);
      const stream = responses[0]?.sse;
      expect(stream?.closed).toBe(false);
      stream?.send({ event: 'hello', data: 'just you' });
      await client.waitForEvents(1);
      const plain = await fetch(`${url}/plain`);

      expect(client.raw).toBe(RETRY + 'event: hello\ndata: just you\n\n');
      expect(await plain.text()).toBe('{"hasSse":false}');
      expect(responses[1]?.sse).toBeUndefined();
    });
  });

  describe('sse(handler)', () => {
    it('drives a typed stream by hand and sets res.sse to it', async () => {
      const app = express();
      let handed: { stream: SseStream<{ tick: { n: number } }>; res: Response } | undefined;
      app.get(
        '/ticks',
        sse<{ tick: { n: number } }>(
          (stream, _req, res) => {
            handed = { stream, res };
            for (let n = 0; n < 3; n++) stream.send({ event: 'tick', id: String(n), data: { n } });
          },
          { retry: 500, heartbeatMs: 0 },
        ),
      );
      const { url } = await serve(app);

      const client = await connect(`${url}/ticks`, {}, 'retry: 500\n');
      await client.waitForEvents(3);

      expect(client.headers).toMatchObject(HEADERS);
      expect(client.raw).toBe(
        'retry: 500\n' +
          'event: tick\nid: 0\ndata: {"n":0}\n\n' +
          'event: tick\nid: 1\ndata: {"n":1}\n\n' +
          'event: tick\nid: 2\ndata: {"n":2}\n\n',
      );
      expect(handed?.res.sse).toBe(handed?.stream);
      client.close();
      await eventually(() => handed?.stream.signal.aborted === true, 'the stream to end');
      expect(handed?.stream.signal.reason).toBe('client');
    });

    it('runs the seeds’ ticker until the client leaves', async () => {
      const app = express();
      const streams: SseStream[] = [];
      app.get(
        '/ticks',
        sse(
          (stream) => {
            streams.push(stream);
            let n = 0;
            const tick = (): void => {
              stream.send({ id: String(n), data: `tick ${n}` });
              n++;
            };
            tick();
            const timer = setInterval(tick, 5);
            stream.signal.addEventListener('abort', () => clearInterval(timer), { once: true });
          },
          { heartbeatMs: 0 },
        ),
      );
      const { url } = await serve(app);

      const client = await connect(`${url}/ticks`, {}, '');
      await client.waitForEvents(4);
      client.close();
      await eventually(() => streams[0]?.closed === true, 'the stream to end');

      expect(client.events.slice(0, 4)).toEqual(
        [0, 1, 2, 3].map((n) => ({ event: undefined, id: String(n), data: `tick ${n}` })),
      );
      expect(streams[0]?.signal.reason).toBe('client');
    });

    it('refuses in a middleware before it, through Express error handling', async () => {
      const app = express();
      const handler = vi.fn();
      app.get(
        '/ticks',
        (req, _res, next) => {
          next(req.get('x-token') === 'ok' ? undefined : Object.assign(new Error('no token'), { status: 401 }));
        },
        sse(handler),
      );

      app.use((err: Error & { status: number }, _req: Request, res: Response, _next: NextFunction) => {
        res.status(err.status).json({ error: err.message });
      });
      const { url } = await serve(app);

      const answer = await fetch(`${url}/ticks`);

      expect(answer.status).toBe(401);
      expect(await answer.text()).toBe('{"error":"no token"}');
      expect(handler).not.toHaveBeenCalled();
    });

    for (const [label, fail] of [
      [
        'throws',
        (): void => {
          throw new Error('boom');
        },
      ],
      [
        'rejects',
        async (): Promise<void> => {
          await Promise.resolve();
          throw new Error('boom');
        },
      ],
    ] as const) {
      it(`ends the stream when the handler ${label} after it started, and reports to onError, never next()`, async () => {
        const app = express();
        const reported: [unknown, Request][] = [];

        const errorHandler = vi.fn((_err: unknown, _req: Request, res: Response, _next: NextFunction) => {
          res.end();
        });
        app.get(
          '/fails',
          sse(
            (stream) => {
              stream.send({ data: 'before the failure' });
              return fail();
            },
            { heartbeatMs: 0, onError: (err, req) => reported.push([err, req]) },
          ),
        );
        app.use(errorHandler);
        const { url } = await serve(app);

        const client = await connect(`${url}/fails`, {}, '');
        await client.ended;

        expect(client.status).toBe(200);
        expect(client.raw).toBe('data: before the failure\n\n');
        expect(reported.map(([err, req]) => [(err as Error).message, req.path])).toEqual([['boom', '/fails']]);
        expect(errorHandler).not.toHaveBeenCalled();
      });
    }

    it('logs a handler failure with console.error when no onError is given', async () => {
      const logged = vi.spyOn(console, 'error').mockImplementation(() => undefined);
      try {
        const app = express();
        const boom = new Error('boom');
        app.get(
          '/fails',
          sse(() => {
            throw boom;
          }),
        );
        const { url } = await serve(app);

        const client = await connect(`${url}/fails`, {}, '');
        await client.ended;

        expect(logged.mock.calls).toEqual([
          ['ssekit: a hand-driven stream handler failed after the stream started; the stream was ended.', boom],
        ]);
      } finally {
        logged.mockRestore();
      }
    });
  });
});
