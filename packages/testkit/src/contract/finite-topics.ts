import { beforeAll, describe, expect, it } from 'vitest';
import { publish, request } from '../http.js';
import { RETRY_LINE, freshTopic, open, publishOk, wireFrame, withoutComments } from './harness.js';
import type { ContractSuite, Published } from './harness.js';

/** The contract of a topic that ends with a final event, and of `?from=start`. */
export function defineFiniteTopicsContract(suite: ContractSuite): void {
  const { track } = suite;
  describe('finite topics', () => {
    // The demo starts in the suite's beforeAll, after this section is defined.
    let url: string;
    beforeAll(() => {
      url = suite.url();
    });

    /** A run of `tokens`, then its final `done` event; the published results. */
    async function runOf(topic: string, tokens: readonly string[]): Promise<Published[]> {
      const results: Published[] = [];
      for (const token of tokens) results.push(await publishOk(url, { topic, event: 'token', data: token }));
      results.push(await publishOk(url, { topic, event: 'done', data: '', final: true }));
      return results;
    }

    function runFrames(results: readonly Published[], tokens: readonly string[]): string[] {
      return results.map((result, i) =>
        i < tokens.length ? wireFrame(result.id, tokens[i] as string, 'token') : wireFrame(result.id, '', 'done'),
      );
    }

    it("ends a stream cleanly right after its topic's final event, and refuses later publishes with 409", async () => {
      const topic = freshTopic('run');
      const client = track(await open(url, [topic]));
      const results = await runOf(topic, ['Hel', 'lo']);
      await client.ended;
      expect(client.completed).toBe(true);
      expect(withoutComments(client.raw)).toBe(RETRY_LINE + runFrames(results, ['Hel', 'lo']).join(''));
      const late = await publish(url, { topic, data: 'late' });
      expect(late.status).toBe(409);
      expect(typeof (late.json as { error?: unknown }).error).toBe('string');
    });

    it('answers 204 to a request after the end, with no resume point or with the final id', async () => {
      const topic = freshTopic('run');
      const results = await runOf(topic, ['a']);
      const fresh = await request(`${url}/events?topic=${topic}`, { headers: { accept: 'text/event-stream' } });
      expect(fresh.status).toBe(204);
      expect(fresh.text).toBe('');
      const seenAll = await request(`${url}/events?topic=${topic}`, {
        headers: { accept: 'text/event-stream', 'last-event-id': results[1]!.id },
      });
      expect(seenAll.status).toBe(204);
    });

    it('gives a client that resumes from before the end what it missed, the final included, then ends', async () => {
      const topic = freshTopic('run');
      const tokens = ['a', 'b', 'c'];
      const results = await runOf(topic, tokens);
      const frames = runFrames(results, tokens);
      for (const cut of [0, 2]) {
        const client = track(await open(url, [topic], results[cut]!.id));
        await client.ended;
        expect(client.completed).toBe(true);
        expect(withoutComments(client.raw)).toBe(RETRY_LINE + frames.slice(cut + 1).join(''));
      }
    });

    it('replays the whole retained history first with ?from=start, then live events', async () => {
      const topic = freshTopic('late');
      const first = await publishOk(url, { topic, data: 'one' });
      const client = track(await open(url, [topic], undefined, '&from=start'));
      await client.waitForEvents(1);
      const second = await publishOk(url, { topic, data: 'two' });
      await client.waitForEvents(2);
      expect(withoutComments(client.raw)).toBe(RETRY_LINE + wireFrame(first.id, 'one') + wireFrame(second.id, 'two'));
      client.close();
      const bad = await request(`${url}/events?topic=${topic}&from=end`);
      expect(bad.status).toBe(400);
    });
  });
}
