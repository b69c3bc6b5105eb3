import { subscribe } from '@ssekit/client';
import type { ClientEvent, ConnectionState, SsekitClientError, Subscription } from '@ssekit/client';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freshTopic } from './contract.js';
import { startDemo } from './demo.js';
import type { RunningDemo } from './demo.js';
import { eventually, publish, stats } from './http.js';
import { startStreamProxy } from './stream-proxy.js';
import type { DropMode, StreamProxy } from './stream-proxy.js';

/**
 * The settings the client suite starts every demo with: a short `retry:` and heartbeat so each
 * reconnection and silence takes a fraction of a second, a replay buffer that covers every gap
 * the suite makes, and a connection cap the suite reaches on purpose.
 */
export const CLIENT_ENV = {
  RETRY_MS: '100',
  HEARTBEAT_MS: '100',
  REPLAY_SIZE: '100',
  MAX_CONNECTIONS: '3',
} as const;

const RETRY_MS = Number(CLIENT_ENV.RETRY_MS);
// The client's own reconnection time, far above the demo's: a reconnect within the test's
// deadlines shows the client took the server's `retry:`.
const CLIENT_RETRY_MS = 60_000;
// Four heartbeats: a stream that still hears them is never taken for a silent one.
const INACTIVITY_MS = 4 * Number(CLIENT_ENV.HEARTBEAT_MS);

/** The events the suite publishes through `POST /publish`, as an app would type them. */
interface DemoEvents {
  price: { symbol: string; value: number };
  note: string;
  token: string;
  done: string;
  message: { n: number };
}

interface Published {
  id: string;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Rejects naming `what` when `promise` takes longer than `ms`. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Every event of a subscription, read by a `for await` loop from the start; `done` when it ends. */
function collect(subscription: Subscription<DemoEvents>): { events: ClientEvent<DemoEvents>[]; done: Promise<void> } {
  const events: ClientEvent<DemoEvents>[] = [];
  const done = (async () => {
    for await (const event of subscription) events.push(event);
  })();
  // A loop that throws fails the test where it is awaited; never an unhandled rejection.
  done.catch(() => undefined);
  return { events, done };
}

/** What a test compares: the event without its raw text. */
const shape = ({ type, data, id }: ClientEvent<DemoEvents>): unknown[] => [type, data, id];

/**
 * The `@ssekit/client` suite: `subscribe` in Node (global `fetch`) against `examples/<name>`
 * over real sockets, with a proxy in the test process where the test must end, break or stall
 * the demo's streams. It checks what the client promises against a real server: typed and
 * decoded events, request headers on every connection, an exact resume after the server's
 * `retry:` whatever way a stream is dropped, the typed `ssekit-reset`, the end of a finite run,
 * the retry answer over the connection cap, a reconnect after silence, and connections released
 * by `close()` and by an aborted signal.
 *
 * Not here, because no demo answers them: a `401` (the demos have no auth) and a `503` with
 * `Retry-After` (a demo's only 503, a Redis outage, carries none). `subscribe.test.ts` in
 * `@ssekit/client` covers both against hand-written servers.
 * @param name - the example's folder under `examples/`.
 * @param env - more environment for the demo.
 */
export function defineClientSuite(name: string, env: Record<string, string> = {}): void {
  describe(`@ssekit/client: examples/${name}`, () => {
    let demo: RunningDemo;
    let url: string;
    const subscriptions: { close(): void }[] = [];
    const proxies: StreamProxy[] = [];

    const track = <T extends { close(): void }>(subscription: T): T => {
      subscriptions.push(subscription);
      return subscription;
    };
    const proxyToDemo = async (): Promise<StreamProxy> => {
      const proxy = await startStreamProxy(url);
      proxies.push(proxy);
      return proxy;
    };
    const connections = async (): Promise<number | undefined> => (await stats(url)).connections;
    const publishOk = async (body: Record<string, unknown>): Promise<Published> => {
      const answer = await publish(url, body);
      expect(answer.status, answer.text).toBe(202);
      return answer.json as Published;
    };
    /** Waits until every subscription given is open and the demo counts `count` streams. */
    const opened = (list: Subscription<DemoEvents>[], count: number): Promise<void> =>
      eventually(
        async () => list.every((s) => s.state === 'open') && (await connections()) === count,
        `${count} open streams`,
      );

    beforeAll(async () => {
      demo = await startDemo(name, { ...CLIENT_ENV, ...env });
      url = demo.url;
    });

    afterEach(async () => {
      for (const subscription of subscriptions.splice(0)) subscription.close();
      await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
      // Every test leaves the demo as it found it, so the next one counts from 0.
      await eventually(async () => (await connections()) === 0, 'every stream released');
    });

    afterAll(async () => {
      await demo.stop('SIGTERM', 5000);
    });

    it('receives typed events, decoded by `parse`, as the demo publishes them', async () => {
      const topic = freshTopic('typed');
      const json = track(subscribe<DemoEvents>(`${url}/events?topic=${topic}`, { retry: CLIENT_RETRY_MS }));
      const text = track(
        subscribe<DemoEvents>(`${url}/events?topic=${topic}`, { retry: CLIENT_RETRY_MS, parse: 'text' }),
      );
      const prices: string[] = [];
      json.on('price', (event) => prices.push(`${event.data.symbol}=${event.data.value}`));
      const decoded = collect(json);
      const asText = collect(text);
      await opened([json, text], 2);
      const sent = [
        await publishOk({ topic, event: 'price', data: { symbol: 'ACME', value: 42 } }),
        await publishOk({ topic, event: 'note', data: 'line one\nline two' }),
        await publishOk({ topic, data: { n: 3 } }),
      ];
      await eventually(() => decoded.events.length === 3 && asText.events.length === 3, 'three events on each');
      const raws = ['{"symbol":"ACME","value":42}', 'line one\nline two', '{"n":3}'];
      expect(decoded.events).toEqual([
        { type: 'price', data: { symbol: 'ACME', value: 42 }, id: sent[0]!.id, raw: raws[0] },
        { type: 'note', data: 'line one\nline two', id: sent[1]!.id, raw: raws[1] },
        { type: 'message', data: { n: 3 }, id: sent[2]!.id, raw: raws[2] },
      ]);
      expect(asText.events.map((event) => event.data)).toEqual(raws);
      expect(prices).toEqual(['ACME=42']);
      expect(json.lastEventId).toBe(sent[2]!.id);
    });

    for (const sendLastEventId of ['header', 'query'] as const) {
      it(`calls \`headers\` for every connection and resumes by Last-Event-ID (${sendLastEventId})`, async () => {
        const proxy = await proxyToDemo();
        const topic = freshTopic('auth');
        let calls = 0;
        const subscription = track(
          subscribe<DemoEvents>(`${proxy.url}/events?topic=${topic}`, {
            retry: CLIENT_RETRY_MS,
            sendLastEventId,
            headers: () => {
              calls++;
              return { authorization: `Bearer token-${calls}` };
            },
          }),
        );
        const { events } = collect(subscription);
        await opened([subscription], 1);
        const before = await publishOk({ topic, event: 'note', data: 'before' });
        await eventually(() => events.length === 1, 'the first event');
        proxy.drop('end');
        const away = await publishOk({ topic, event: 'note', data: 'while away' });
        await eventually(() => proxy.requests.length === 2 && proxy.open === 1, 'the reconnect');
        const back = await publishOk({ topic, event: 'note', data: 'back' });
        // Replayed events come before live ones: a duplicate would show before `back`.
        await eventually(() => events.some((event) => event.id === back.id), 'the live event after the resume');
        expect(events.map(shape)).toEqual([
          ['note', 'before', before.id],
          ['note', 'while away', away.id],
          ['note', 'back', back.id],
        ]);
        expect(calls).toBe(2);
        const [first, second] = proxy.requests;
        expect([first!.headers.authorization, second!.headers.authorization]).toEqual([
          'Bearer token-1',
          'Bearer token-2',
        ]);
        expect([first!.headers.accept, second!.headers.accept]).toEqual(['text/event-stream', 'text/event-stream']);
        expect(first!.headers['last-event-id']).toBeUndefined();
        expect(new URL(first!.url, url).searchParams.has('lastEventId')).toBe(false);
        const resumedFrom =
          sendLastEventId === 'header'
            ? second!.headers['last-event-id']
            : new URL(second!.url, url).searchParams.get('lastEventId');
        expect(resumedFrom).toBe(before.id);
        if (sendLastEventId === 'query') expect(second!.headers['last-event-id']).toBeUndefined();
      });
    }

    it("resumes exactly after the server's retry: when streams end, break mid-event or reset during a publish run", async () => {
      const proxy = await proxyToDemo();
      const topic = freshTopic('run');
      const errors: SsekitClientError[] = [];
      const subscription = track(
        subscribe<DemoEvents>(`${proxy.url}/events?topic=${topic}`, {
          retry: CLIENT_RETRY_MS,
          onError: (error) => errors.push(error),
        }),
      );
      const { events } = collect(subscription);
      await opened([subscription], 1);
      const drops: DropMode[] = ['end', 'split', 'reset'];
      // A drop every `every` events; the events published right after it miss the client
      // and must come back by replay (fewer than REPLAY_SIZE, so none is lost for good).
      const every = 40;
      const total = every * (drops.length + 1);
      const ids: string[] = [];
      for (let n = 0; n < total; n++) {
        if (n > 0 && n % every === 0) {
          const k = n / every;
          await eventually(() => proxy.requests.length === k && proxy.open === 1, `connection ${k}`);
          // Dropped once the client has everything published so far: it must resume from there.
          const last = ids[n - 1];
          await eventually(() => events.some((event) => event.id === last), `event ${n - 1} before drop ${k}`);
          proxy.drop(drops[k - 1]!);
        }
        ids.push((await publishOk({ topic, event: 'note', data: `event ${n}` })).id);
      }
      await eventually(() => events.some((event) => event.id === ids.at(-1)), 'the last event', 10_000);
      expect(events.map((event) => event.data)).toEqual(Array.from({ length: total }, (_, n) => `event ${n}`));
      expect(events.map((event) => event.id)).toEqual(ids);
      expect(proxy.requests.map((request) => request.status)).toEqual([200, 200, 200, 200]);
      // Each reconnect resumed from the last event the client had whole before its drop.
      const resumedAt = proxy.requests.slice(1).map((request) => ids.indexOf(String(request.headers['last-event-id'])));
      expect(resumedAt).toEqual(drops.map((_, k) => (k + 1) * every - 1));
      // The two clean ends waited the server's retry (the reset backs off from it, at random).
      for (const k of [0, 1]) {
        const gap = proxy.requests[k + 1]!.at - proxy.requests[k]!.endedAt!;
        expect(gap).toBeGreaterThanOrEqual(RETRY_MS - 2);
      }
      expect(errors.map((error) => error.code)).toEqual(['network']);
      expect(subscription.state).toBe('open');
    });

    it('surfaces a resume point the demo no longer holds as the typed ssekit-reset (too_old)', async () => {
      const topic = freshTopic('old');
      const old: Published[] = [];
      for (let n = 0; n < 3; n++) old.push(await publishOk({ topic, event: 'note', data: `old ${n}` }));
      // Enough to push the first ones out of the demo's REPLAY_SIZE.
      for (let n = 0; n < Number(CLIENT_ENV.REPLAY_SIZE); n++) await publishOk({ topic, event: 'note', data: n });
      const resumeFrom = old[1]!.id;
      // `parse: 'text'` leaves the app's events as text; the reset is JSON whatever `parse` says.
      const subscription = track(
        subscribe<DemoEvents>(`${url}/events?topic=${topic}`, {
          retry: CLIENT_RETRY_MS,
          lastEventId: resumeFrom,
          parse: 'text',
        }),
      );
      const reasons: string[] = [];
      subscription.on('ssekit-reset', (event) => reasons.push(`${event.data.reason} after ${event.data.lastEventId}`));
      const { events } = collect(subscription);
      await eventually(() => events.length === 1, 'the reset');
      await opened([subscription], 1);
      const live = await publishOk({ topic, event: 'note', data: 'after the reset' });
      await eventually(() => events.length === 2, 'the live event');
      const reset = { reason: 'too_old', lastEventId: resumeFrom };
      expect(events).toEqual([
        { type: 'ssekit-reset', data: reset, id: resumeFrom, raw: JSON.stringify(reset) },
        { type: 'note', data: 'after the reset', id: live.id, raw: 'after the reset' },
      ]);
      expect(reasons).toEqual([`too_old after ${resumeFrom}`]);
      expect(subscription.lastEventId).toBe(live.id);
    });

    it("ends the iteration with state 'ended' once a finite run's final event came and the demo answers 204", async () => {
      const proxy = await proxyToDemo();
      const topic = freshTopic('finite');
      const states: ConnectionState[] = [];
      const subscription = track(
        subscribe<DemoEvents>(`${proxy.url}/events?topic=${topic}`, {
          retry: CLIENT_RETRY_MS,
          onState: (state) => states.push(state),
        }),
      );
      const live = collect(subscription);
      await opened([subscription], 1);
      const run = [
        await publishOk({ topic, event: 'token', data: 'Hel' }),
        await publishOk({ topic, event: 'token', data: 'lo' }),
        await publishOk({ topic, event: 'done', data: '', final: true }),
      ];
      await within(live.done, 5000, 'the end of the iteration');
      expect(live.events.map(shape)).toEqual([
        ['token', 'Hel', run[0]!.id],
        ['token', 'lo', run[1]!.id],
        ['done', '', run[2]!.id],
      ]);
      expect(subscription.state).toBe('ended');
      expect(subscription.error).toBeUndefined();
      expect(states).toEqual(['open', 'retrying', 'connecting', 'ended']);
      // The stream ended after the final event; the resume from it was told there is nothing more.
      expect(proxy.requests.map((request) => request.status)).toEqual([200, 204]);
      expect(proxy.requests[1]!.headers['last-event-id']).toBe(run[2]!.id);

      // Later: from before the end, the rest of the run and the end; with no resume point, the end.
      const late = track(subscribe<DemoEvents>(`${url}/events?topic=${topic}`, { lastEventId: run[0]!.id }));
      const rest = collect(late);
      await within(rest.done, 5000, 'the end of a late iteration');
      expect(rest.events.map(shape)).toEqual([
        ['token', 'lo', run[1]!.id],
        ['done', '', run[2]!.id],
      ]);
      const after = track(subscribe<DemoEvents>(`${url}/events?topic=${topic}`));
      const nothing = collect(after);
      await within(nothing.done, 5000, 'the end of an iteration after the run');
      expect(nothing.events).toEqual([]);
      expect([late.state, after.state]).toEqual(['ended', 'ended']);
    });

    it("waits the demo's retry hint, not its own, when the demo is at MAX_CONNECTIONS", async () => {
      const topic = freshTopic('full');
      const limit = Number(CLIENT_ENV.MAX_CONNECTIONS);
      const holders = Array.from({ length: limit }, () =>
        track(subscribe<DemoEvents>(`${url}/events?topic=${topic}`, { retry: CLIENT_RETRY_MS })),
      );
      await opened(holders, limit);
      const proxy = await proxyToDemo();
      const states: ConnectionState[] = [];
      // A client retry of 20 ms: reconnecting on its own it would come back many times below.
      const refused = track(
        subscribe<DemoEvents>(`${proxy.url}/events?topic=${topic}`, {
          retry: 20,
          onState: (state) => states.push(state),
        }),
      );
      await eventually(() => refused.state === 'retrying', 'the retry answer');
      await sleep(300);
      expect(proxy.requests.map((request) => request.status)).toEqual([200]);
      expect(proxy.open).toBe(0);
      expect(states).toEqual(['open', 'retrying']);
      expect(refused.state).toBe('retrying');
      expect(refused.error).toBeUndefined();
      expect(await connections()).toBe(limit);
      refused.close();
      expect(refused.state).toBe('ended');
    });

    it('reconnects a stream that goes silent past `inactivityMs`, and keeps one that hears heartbeats', async () => {
      const proxy = await proxyToDemo();
      const topic = freshTopic('silent');
      const errors: SsekitClientError[] = [];
      const subscription = track(
        subscribe<DemoEvents>(`${proxy.url}/events?topic=${topic}`, {
          retry: CLIENT_RETRY_MS,
          inactivityMs: INACTIVITY_MS,
          onError: (error) => errors.push(error),
        }),
      );
      const { events } = collect(subscription);
      await opened([subscription], 1);
      const first = await publishOk({ topic, event: 'note', data: 'before the silence' });
      await eventually(() => events.length === 1, 'the first event');
      // Only heartbeats for longer than the limit: the stream stays.
      await sleep(INACTIVITY_MS * 1.5);
      expect(proxy.requests).toHaveLength(1);
      expect(errors).toEqual([]);
      proxy.stall();
      const withheld = [
        await publishOk({ topic, event: 'note', data: 'during the silence 1' }),
        await publishOk({ topic, event: 'note', data: 'during the silence 2' }),
      ];
      await eventually(() => events.length === 3, 'the withheld events, by the resume');
      expect(events.map(shape)).toEqual([
        ['note', 'before the silence', first.id],
        ['note', 'during the silence 1', withheld[0]!.id],
        ['note', 'during the silence 2', withheld[1]!.id],
      ]);
      expect(errors.map((error) => error.code)).toEqual(['inactive']);
      expect(proxy.requests).toHaveLength(2);
      expect(proxy.requests[1]!.headers['last-event-id']).toBe(first.id);
    });

    it('releases the connection on close(), on an aborted signal, and when a loop is left early', async () => {
      const topic = freshTopic('release');
      const closed = track(subscribe<DemoEvents>(`${url}/events?topic=${topic}`, { retry: CLIENT_RETRY_MS }));
      const controller = new AbortController();
      const aborted = track(
        subscribe<DemoEvents>(`${url}/events?topic=${topic}`, { retry: CLIENT_RETRY_MS, signal: controller.signal }),
      );
      const loops = [collect(closed).done, collect(aborted).done];
      await opened([closed, aborted], 2);
      closed.close();
      expect(closed.state).toBe('ended');
      await eventually(async () => (await connections()) === 1, 'the closed stream released');
      controller.abort();
      expect(aborted.state).toBe('ended');
      await eventually(async () => (await connections()) === 0, 'the aborted stream released');
      await within(Promise.all(loops), 1000, 'both loops to end');

      const left = track(subscribe<DemoEvents>(`${url}/events?topic=${topic}`, { retry: CLIENT_RETRY_MS }));
      await opened([left], 1);
      // The loop starts before the publish: an iterator sees the events from when it was made.
      const firstOfLoop = (async () => {
        for await (const event of left) return event.id;
        return undefined;
      })();
      const sent = await publishOk({ topic, event: 'note', data: 'one' });
      expect(await within(firstOfLoop, 5000, 'the loop to take one event and leave')).toBe(sent.id);
      expect(left.state).toBe('ended');
      await eventually(async () => (await connections()) === 0, 'the stream of the loop left early released');
    });
  });
}
