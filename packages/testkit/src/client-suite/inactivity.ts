import { subscribe } from '@ssekit/client';
import type { SsekitClientError } from '@ssekit/client';
import { expect, it } from 'vitest';
import { freshTopic } from '../contract.js';
import { eventually } from '../http.js';
import { CLIENT_RETRY_MS, INACTIVITY_MS, collect, shape, sleep } from './harness.js';
import type { ClientSuite, DemoEvents } from './harness.js';

/** A reconnect after silence, and none while heartbeats come. */
export function defineInactivityClientTests(suite: ClientSuite): void {
  const { track, opened, publishOk, proxyToDemo } = suite;
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
}
