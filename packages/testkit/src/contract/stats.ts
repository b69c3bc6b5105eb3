import { beforeAll, describe, expect, it } from 'vitest';
import { stats } from '../http.js';
import { freshTopic, open, publishOk } from './harness.js';
import type { ContractSuite } from './harness.js';

/** The contract of `GET /stats`: its counters, and that they count. */
export function defineStatsContract(suite: ContractSuite): void {
  const { track } = suite;
  describe('GET /stats', () => {
    // The demo starts in the suite's beforeAll, after this section is defined.
    let url: string;
    beforeAll(() => {
      url = suite.url();
    });

    it('reports connections, published, delivered and dropped as numbers', async () => {
      const body = await stats(url);
      for (const key of ['connections', 'published', 'delivered', 'dropped']) expect(typeof body[key]).toBe('number');
      const topic = freshTopic();
      const client = track(await open(url, [topic]));
      const before = await stats(url);
      await publishOk(url, { topic, data: 'count me' });
      await client.waitForEvents(1);
      const after = await stats(url);
      expect(after.published).toBe((before.published ?? 0) + 1);
      expect(after.delivered).toBe((before.delivered ?? 0) + 1);
      client.close();
    });
  });
}
