import { subscribe } from '@ssekit/client';
import type { SsekitClientError } from '@ssekit/client';
import { expect, it } from 'vitest';
import { freshTopic } from '../contract.js';
import { eventually } from '../http.js';
import type { DropMode } from '../stream-proxy.js';
import { CLIENT_ENV, CLIENT_RETRY_MS, RETRY_MS, collect, shape } from './harness.js';
import type { ClientSuite, DemoEvents, Published } from './harness.js';

/** Resuming by Last-Event-ID after the server's `retry:`, whatever way a stream was dropped, and the typed reset when the demo no longer holds the resume point. */
export function defineResumeClientTests(suite: ClientSuite): void {
  const { track, opened, publishOk, proxyToDemo } = suite;
  for (const sendLastEventId of ['header', 'query'] as const) {
    it(`calls \`headers\` for every connection and resumes by Last-Event-ID (${sendLastEventId})`, async () => {
      const { url } = suite;
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
    const { url } = suite;
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
}
