import { subscribe } from '@ssekit/client';
import { expect, it } from 'vitest';
import { freshTopic } from '../contract.js';
import { eventually } from '../http.js';
import { CLIENT_RETRY_MS, collect } from './harness.js';
import type { ClientSuite, DemoEvents } from './harness.js';

/** Events typed by the app and decoded by `parse`. */
export function defineTypedEventsClientTests(suite: ClientSuite): void {
  const { track, opened, publishOk } = suite;
  it('receives typed events, decoded by `parse`, as the demo publishes them', async () => {
    const { url } = suite;
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
}
