import { subscribe } from '@ssekit/client';
import type { ConnectionState } from '@ssekit/client';
import { expect, it } from 'vitest';
import { freshTopic } from '../contract.js';
import { CLIENT_RETRY_MS, collect, shape, within } from './harness.js';
import type { ClientSuite, DemoEvents } from './harness.js';

/** The end of the iteration once a finite run's final event came. */
export function defineFiniteRunClientTests(suite: ClientSuite): void {
  const { track, opened, publishOk, proxyToDemo } = suite;
  it("ends the iteration with state 'ended' once a finite run's final event came and the demo answers 204", async () => {
    const { url } = suite;
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
}
