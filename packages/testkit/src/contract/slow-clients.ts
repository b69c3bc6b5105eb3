import { beforeAll, describe, expect, it } from 'vitest';
import { stats } from '../http.js';
import { freshTopic, open, publishOk } from './harness.js';
import type { ContractSuite, Published } from './harness.js';

/** The contract for a client that stops reading: the others go on, its memory stays bounded. */
export function defineSlowClientsContract(suite: ContractSuite): void {
  const { track } = suite;
  describe('slow clients', () => {
    // The demo starts in the suite's beforeAll, after this section is defined.
    let url: string;
    beforeAll(() => {
      url = suite.url();
    });

    it('does not let a client that never reads slow the others, and ends it with memory bounded', async () => {
      const topic = freshTopic('slow');
      const stalled = track(await open(url, [topic]));
      stalled.pause();
      const reader = track(await open(url, [topic]));
      const before = await stats(url);
      const chunk = 'z'.repeat(64 * 1024);
      const sent: Published[] = [];
      let maxQueued = 0;
      // 32 MiB in all: far past the socket buffers and the 1 MiB budget.
      for (let i = 0; i < 512; i++) {
        sent.push(await publishOk(url, { topic, data: `${i} ${chunk}` }));
        if (i % 32 === 0) maxQueued = Math.max(maxQueued, (await stats(url)).queuedBytes ?? 0);
        await reader.waitForEvents(i + 1, 10_000);
      }
      expect(reader.events.map((event) => event.id)).toEqual(sent.map((result) => result.id));
      const after = await stats(url);
      expect((after.dropped ?? 0) - (before.dropped ?? 0)).toBeGreaterThan(0);
      if ('queuedBytes' in after) expect(maxQueued).toBeLessThanOrEqual(2 * 1024 * 1024);
      stalled.resume();
      await stalled.ended;
      expect(stalled.events.length).toBeLessThan(sent.length);
      reader.close();
    });
  });
}
