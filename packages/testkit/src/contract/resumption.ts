import { beforeAll, describe, expect, it } from 'vitest';
import { request } from '../http.js';
import { RETRY_LINE, freshTopic, open, publishOk, wireFrame, withoutComments } from './harness.js';
import type { ContractSuite, Published } from './harness.js';

/** The contract of a resume from `Last-Event-ID`: what is replayed, in which order, and what is refused. */
export function defineResumptionContract(suite: ContractSuite): void {
  const { track, differences } = suite;
  describe('resumption', () => {
    // The demo starts in the suite's beforeAll, after this section is defined.
    let url: string;
    beforeAll(() => {
      url = suite.url();
    });

    it('replays what a client missed after Last-Event-ID, then continues live', async () => {
      const topic = freshTopic('resume');
      const sent: Published[] = [];
      for (let i = 0; i < 6; i++) sent.push(await publishOk(url, { topic, data: `m${i}` }));
      const client = track(await open(url, [topic], sent[2]?.id));
      await client.waitForEvents(3);
      const live = await publishOk(url, { topic, data: 'live' });
      await client.waitForEvents(4);
      expect(withoutComments(client.raw)).toBe(
        RETRY_LINE +
          sent
            .slice(3)
            .map((result, i) => wireFrame(result.id, `m${i + 3}`))
            .join('') +
          wireFrame(live.id, 'live'),
      );
      client.close();
    });

    it('takes the resume point from ?lastEventId= too', async () => {
      const topic = freshTopic('resume');
      const sent: Published[] = [];
      for (let i = 0; i < 3; i++) sent.push(await publishOk(url, { topic, data: `q${i}` }));
      const client = track(
        await open(url, [topic], undefined, `&lastEventId=${encodeURIComponent(sent[0]?.id ?? '')}`),
      );
      await client.waitForEvents(2);
      expect(client.events.map((event) => event.data)).toEqual(['q1', 'q2']);
      client.close();
    });

    it('replays across several topics in publish order', async () => {
      const [a, b] = [freshTopic('ra'), freshTopic('rb')];
      const sent: [string, Published][] = [];
      for (const [topic, data] of [
        [a, 'a0'],
        [b, 'b0'],
        [a, 'a1'],
        [b, 'b1'],
        [a, 'a2'],
      ] as const) {
        sent.push([data, await publishOk(url, { topic, data })]);
      }
      let resumeFrom = sent[0]?.[1].id;
      if (differences.multiTopicIds === 'cursor') {
        // The cursor of a stream on both topics that has seen `a0`, from the stream itself.
        const reader = track(await open(url, [a, b], undefined, '&from=start'));
        await reader.waitForEvents(1);
        resumeFrom = reader.events[0]?.id;
        expect(reader.events[0]?.data).toBe('a0');
        reader.close();
      }
      const client = track(await open(url, [a, b], resumeFrom));
      await client.waitForEvents(4);
      expect(client.events.map((event) => event.data)).toEqual(['b0', 'a1', 'b1', 'a2']);
      client.close();
    });

    it('has no gap and no duplicate when events are published during the resume', async () => {
      const topic = freshTopic('busy');
      const before: Published[] = [];
      for (let i = 0; i < 30; i++) before.push(await publishOk(url, { topic, data: `e${i}` }));
      const publishing = (async () => {
        const during: Published[] = [];
        for (let i = 30; i < 60; i++) during.push(await publishOk(url, { topic, data: `e${i}` }));
        return during;
      })();
      const clientsDuring = await Promise.all(
        [5, 10, 20].map(async (from) => ({ from, client: track(await open(url, [topic], before[from]?.id)) })),
      );
      const during = await publishing;
      const all = [...before, ...during];
      for (const { from, client } of clientsDuring) {
        await client.waitForEvents(59 - from, 10_000);
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(client.events.map((event) => event.id)).toEqual(all.slice(from + 1).map((result) => result.id));
        expect(client.events.map((event) => event.data)).toEqual(
          all.slice(from + 1).map((_r, i) => `e${from + 1 + i}`),
        );
        client.close();
      }
    });

    it('tells a client whose id is unknown, in-band, before live events continue', async () => {
      const topic = freshTopic('unknown');
      const client = track(await open(url, [topic], '999'));
      await client.waitForEvents(1);
      expect(client.events[0]?.event).toBe('ssekit-reset');
      expect(JSON.parse(client.events[0]?.data ?? '{}')).toEqual({ reason: 'unknown', lastEventId: '999' });
      const live = await publishOk(url, { topic, data: 'fresh' });
      await client.waitForEvents(2);
      expect(client.events[1]).toEqual({ event: undefined, data: 'fresh', id: live.id });
      client.close();
    });

    it('refuses a Last-Event-ID that is not an id with 400 before the stream starts', async () => {
      for (const value of ['x'.repeat(4096), 'bad id', 'a,b', '%00']) {
        const answer = await request(`${url}/events?topic=${freshTopic()}`, { headers: { 'last-event-id': value } });
        expect(answer.status).toBe(400);
        expect(typeof (answer.json as { error?: unknown }).error).toBe('string');
      }
      const viaQuery = await request(`${url}/events?lastEventId=${encodeURIComponent('a\r\nevent: x')}`);
      expect(viaQuery.status).toBe(400);
    });
  });
}
