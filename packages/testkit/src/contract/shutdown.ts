import { describe, expect, it } from 'vitest';
import { startDemo } from '../demo.js';
import { SseClient } from '../sse-client.js';
import { CONTRACT_ENV, freshTopic, open } from './harness.js';
import type { ContractSuite } from './harness.js';

/** The contract of SIGTERM: every stream ends cleanly and the demo exits 0 in time. */
export function defineShutdownContract(suite: ContractSuite): void {
  const { name, env } = suite;
  describe('shutdown', () => {
    it('ends every stream cleanly on SIGTERM and exits 0 within 5 seconds', async () => {
      const own = await startDemo(name, { ...CONTRACT_ENV, ...env });
      const streams = [await open(own.url, [freshTopic()]), await open(own.url, [freshTopic()])];
      const ticks = await SseClient.connect(`${own.url}/ticks`);
      await ticks.waitForEvents(1);
      const started = Date.now();
      const code = await own.stop('SIGTERM', 8000);
      expect(code).toBe(0);
      expect(Date.now() - started).toBeLessThan(5000);
      await Promise.all([...streams, ticks].map((client) => client.ended));
      for (const client of [...streams, ticks]) expect(client.completed).toBe(true);
    });
  });
}
