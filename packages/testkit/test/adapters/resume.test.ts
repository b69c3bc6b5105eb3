import { parseLastEventId } from '@ssekit/core';
import type { SsekitError } from '@ssekit/core';
import {
  RETRY,
  describeEachAdapter,
  messageOf,
  openClient,
  refusalBody,
  refusalHeaders,
  request,
  stable,
  testHub,
  wireFrame,
} from '@ssekit/testkit';
import { expect, it } from 'vitest';

describeEachAdapter('Last-Event-ID', (adapter) => {
  it('answers 400 to a bad Last-Event-ID header or ?lastEventId= before any stream byte', async () => {
    const hub = testHub();
    const server = await adapter.serve(hub);
    const cases: [string, Record<string, string>, string][] = [
      ['/events', { 'last-event-id': 'bad id' }, 'bad id'],
      ['/events', { 'last-event-id': '1'.repeat(129) }, '1'.repeat(129)],
      ['/events', { 'last-event-id': 'a,b' }, 'a,b'],
      ['/events', { 'last-event-id': 'not an id!' }, 'not an id!'],
      [`/events?lastEventId=${encodeURIComponent('a\nb')}`, {}, 'a\nb'],
      [`/events?lastEventId=${encodeURIComponent('a\r\nevent: x')}`, {}, 'a\r\nevent: x'],
      ['/events?lastEventId=a%0Db', {}, 'a\rb'],
    ];
    for (const [path, headers, id] of cases) {
      const answer = await request(`${server.url}${path}`, { headers });
      expect([path, answer.status]).toEqual([path, 400]);
      expect(answer.text).toBe(refusalBody(messageOf(() => parseLastEventId(id))));
      expect(stable(answer.headers)).toEqual(refusalHeaders(answer.text));
    }
    expect(hub.stats().connections).toBe(0);
    const codes = server.errors.map((err) => (err as SsekitError).code);
    expect(codes).toEqual(adapter.errorChannel ? cases.map(() => 'invalid_last_event_id') : []);
  });

  it('replays what a client missed after the Last-Event-ID header or ?lastEventId=, then continues live', async () => {
    const hub = testHub();
    const server = await adapter.serve(hub);
    const sent = [];
    for (const data of ['m0', 'm1', 'm2']) sent.push(await hub.publish('default', { data }));
    const [first, second, third] = sent as [(typeof sent)[0], (typeof sent)[0], (typeof sent)[0]];
    const missed = RETRY + wireFrame(second.id, 'm1') + wireFrame(third.id, 'm2');
    const byHeader = await openClient(`${server.url}/events`, { lastEventId: first.id });
    await byHeader.waitFor((c) => c.raw === missed, 5000, 'the replay after the header');
    const byQuery = await openClient(`${server.url}/events?lastEventId=${first.id}`);
    await byQuery.waitFor((c) => c.raw === missed, 5000, 'the replay after the query');
    // The header wins over the query parameter.
    const both = await openClient(`${server.url}/events?lastEventId=${first.id}`, { lastEventId: second.id });
    await both.waitFor((c) => c.raw === RETRY + wireFrame(third.id, 'm2'), 5000, 'the replay after the header');
    const live = await hub.publish('default', { data: 'live' });
    for (const [client, before] of [
      [byHeader, missed],
      [byQuery, missed],
      [both, RETRY + wireFrame(third.id, 'm2')],
    ] as const) {
      await client.waitFor((c) => c.raw === before + wireFrame(live.id, 'live'), 5000, 'the live event');
    }
  });
});
