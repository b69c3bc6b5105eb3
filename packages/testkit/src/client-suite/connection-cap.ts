import { subscribe } from '@ssekit/client';
import type { ConnectionState } from '@ssekit/client';
import { expect, it } from 'vitest';
import { freshTopic } from '../contract.js';
import { eventually } from '../http.js';
import { CLIENT_ENV, CLIENT_RETRY_MS, sleep } from './harness.js';
import type { ClientSuite, DemoEvents } from './harness.js';

/** The demo's retry answer when it is at `MAX_CONNECTIONS`. */
export function defineConnectionCapClientTests(suite: ClientSuite): void {
  const { track, opened, proxyToDemo, connections } = suite;
  it("waits the demo's retry hint, not its own, when the demo is at MAX_CONNECTIONS", async () => {
    const { url } = suite;
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
}
