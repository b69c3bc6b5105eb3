import { beforeAll, describe, expect, it } from 'vitest';
import { decodeGroupCursor } from '@ssekit/core';
import { eventually, stats } from '../http.js';
import { SseClient } from '../sse-client.js';
import { CONTRACT_ENV, RETRY_LINE, freshTopic, open, publishOk, wireFrame, withoutComments } from './harness.js';
import type { ContractSuite, Published } from './harness.js';

/** The contract of `GET /events`: headers, the retry hint, topics, heartbeats, unregistering. */
export function defineEventsContract(suite: ContractSuite): void {
  const { track, differences } = suite;
  describe('GET /events', () => {
    // The demo starts in the suite's beforeAll, after this section is defined.
    let url: string;
    beforeAll(() => {
      url = suite.url();
    });

    it('answers 200 with the event-stream headers', async () => {
      const client = track(await open(url, [freshTopic()]));
      expect(client.status).toBe(200);
      expect(client.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      const cacheControl = (client.headers['cache-control'] ?? '').split(',').map((part) => part.trim());
      expect(cacheControl).toContain('no-cache');
      expect(cacheControl).toContain('no-transform');
      expect(client.headers['x-accel-buffering']).toBe('no');
      // The client asked for `Connection: close`; see RuntimeDifferences.connectionOnClose.
      expect(client.headers.connection).toBe(differences.connectionOnClose ?? 'keep-alive');
      expect(client.headers['content-encoding']).toBeUndefined();
      client.close();
    });

    it('answers Connection: keep-alive to a client that asks to keep the connection', async () => {
      const client = track(
        await SseClient.connect(`${url}/events?topic=${freshTopic()}`, { headers: { connection: 'keep-alive' } }),
      );
      expect(client.status).toBe(200);
      expect(client.headers.connection).toBe('keep-alive');
      client.close();
    });

    it('sends the retry hint as the very first bytes, in a flush of its own', async () => {
      const client = track(await open(url, [freshTopic()]));
      expect(client.bytes[0]?.toString('utf8').startsWith(RETRY_LINE)).toBe(true);
      expect(client.retries[0]).toBe(Number(CONTRACT_ENV.RETRY_MS));
      client.close();
    });

    it('is subscribed by the time the retry line arrives', async () => {
      for (let round = 0; round < 10; round++) {
        const topic = freshTopic('race');
        const client = track(await open(url, [topic]));
        const result = await publishOk(url, { topic, data: `round ${round}` });
        expect(result.delivered).toBe(1);
        await client.waitForEvents(1);
        expect(withoutComments(client.raw)).toBe(RETRY_LINE + wireFrame(result.id, `round ${round}`));
        client.close();
      }
    });

    it('delivers each event while the connection stays open, before the next is published', async () => {
      const topic = freshTopic();
      const client = track(await open(url, [topic]));
      const sent: Published[] = [];
      for (let i = 0; i < 5; i++) {
        sent.push(await publishOk(url, { topic, event: 'step', data: { i } }));
        await client.waitForEvents(i + 1, 3000);
        expect(client.isEnded).toBe(false);
      }
      expect(withoutComments(client.raw)).toBe(
        RETRY_LINE + sent.map((result, i) => wireFrame(result.id, JSON.stringify({ i }), 'step')).join(''),
      );
      client.close();
    });

    it('puts a stream on topic "default" without ?topic=, and on every repeated ?topic=', async () => {
      const [a, b, c] = [freshTopic('a'), freshTopic('b'), freshTopic('c')];
      const plain = track(await SseClient.connect(`${url}/events`));
      const both = track(await open(url, [a, b]));
      const onlyC = track(await open(url, [c]));
      await plain.waitFor((client) => client.raw.startsWith(RETRY_LINE));
      const onA = await publishOk(url, { topic: a, data: 'to a' });
      const onB = await publishOk(url, { topic: b, data: 'to b' });
      const onDefault = await publishOk(url, { data: 'to default' });
      expect(onA.delivered).toBe(1);
      expect(onB.delivered).toBe(1);
      expect(onDefault.delivered).toBeGreaterThanOrEqual(1);
      await both.waitForEvents(2);
      await plain.waitFor((client) => client.events.some((event) => event.id === onDefault.id));
      if (differences.multiTopicIds === 'cursor') {
        // Each id carries the stream's position in both topics: after `to a`, a's event and
        // b's head (nothing yet); after `to b`, both events.
        const [first, second] = both.events;
        expect(decodeGroupCursor(first?.id ?? '', [a, b])?.get(a)).toBe(Number(onA.id));
        expect(decodeGroupCursor(second?.id ?? '', [a, b])).toEqual(
          new Map([
            [a, Number(onA.id)],
            [b, Number(onB.id)],
          ]),
        );
        expect(withoutComments(both.raw)).toBe(
          RETRY_LINE + wireFrame(first?.id ?? '', 'to a') + wireFrame(second?.id ?? '', 'to b'),
        );
      } else {
        expect(withoutComments(both.raw)).toBe(RETRY_LINE + wireFrame(onA.id, 'to a') + wireFrame(onB.id, 'to b'));
      }
      expect(plain.events.find((event) => event.id === onDefault.id)?.data).toBe('to default');
      expect(plain.events.some((event) => event.id === onA.id)).toBe(false);
      expect(onlyC.events).toEqual([]);
      for (const client of [plain, both, onlyC]) client.close();
    });

    it('sends a heartbeat comment on an idle stream every HEARTBEAT_MS', async () => {
      const client = track(await open(url, [freshTopic('idle')]));
      await client.waitFor((c) => c.comments.length >= 3, 5000, 'three heartbeats');
      expect(client.events).toEqual([]);
      client.close();
    });

    it('unregisters a stream as soon as its client goes away', async () => {
      const baseline = (await stats(url)).connections ?? 0;
      const topic = freshTopic('abort');
      const batch = await Promise.all(Array.from({ length: 50 }, () => open(url, [topic])));
      await eventually(async () => (await stats(url)).connections === baseline + 50, '50 more connections');
      for (const client of batch) client.close();
      await eventually(async () => (await stats(url)).connections === baseline, 'connections back to baseline', 1000);
      const after = await publishOk(url, { topic, data: 'nobody' });
      expect(after.delivered).toBe(0);
    });
  });
}
