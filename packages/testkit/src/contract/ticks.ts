import { beforeAll, describe, expect, it } from 'vitest';
import { eventually, stats } from '../http.js';
import { SseClient } from '../sse-client.js';
import type { ContractSuite } from './harness.js';

/** The contract of `GET /ticks`: a stream of its own, not on the hub. */
export function defineTicksContract(suite: ContractSuite): void {
  const { track } = suite;
  describe('GET /ticks', () => {
    // The demo starts in the suite's beforeAll, after this section is defined.
    let url: string;
    beforeAll(() => {
      url = suite.url();
    });

    it('sends `id: N` and `data: tick N` from 0, one every TICK_MS', async () => {
      const client = track(await SseClient.connect(`${url}/ticks`));
      expect(client.status).toBe(200);
      expect(client.headers['content-type']).toBe('text/event-stream; charset=utf-8');
      await client.waitForEvents(4, 5000);
      expect(client.events.slice(0, 4)).toEqual(
        [0, 1, 2, 3].map((n) => ({ event: undefined, data: `tick ${n}`, id: String(n) })),
      );
      const baseline = (await stats(url)).connections ?? 0;
      client.close();
      await eventually(
        async () => (await stats(url)).connections === baseline - 1,
        'the ticks stream unregistered',
        1000,
      );
    });
  });
}
