import { subscribe } from '@ssekit/client';
import { expect, it } from 'vitest';
import { freshTopic } from '../contract.js';
import { eventually } from '../http.js';
import { CLIENT_RETRY_MS, collect, within } from './harness.js';
import type { ClientSuite, DemoEvents } from './harness.js';

/** Connections released by `close()`, an aborted signal and a loop left early. */
export function defineReleaseClientTests(suite: ClientSuite): void {
  const { track, opened, publishOk, connections } = suite;
  it('releases the connection on close(), on an aborted signal, and when a loop is left early', async () => {
    const { url } = suite;
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
}
