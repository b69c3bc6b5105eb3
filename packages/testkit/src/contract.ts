import { afterAll, beforeAll, describe } from 'vitest';
import { startDemo } from './demo.js';
import type { RunningDemo } from './demo.js';
import type { RuntimeDifferences } from './demo-list.js';
import type { SseClient } from './sse-client.js';
import { defineEventsContract } from './contract/events.js';
import { defineFiniteTopicsContract } from './contract/finite-topics.js';
import { CONTRACT_ENV } from './contract/harness.js';
import type { ContractSuite } from './contract/harness.js';
import { definePublishContract } from './contract/publish.js';
import { defineResumptionContract } from './contract/resumption.js';
import { defineShutdownContract } from './contract/shutdown.js';
import { defineSlowClientsContract } from './contract/slow-clients.js';
import { defineStatsContract } from './contract/stats.js';
import { defineTicksContract } from './contract/ticks.js';

export { CONTRACT_ENV, freshTopic, wireFrame, withoutComments } from './contract/harness.js';

/**
 * The black-box suite of `docs/contract.md`: starts `examples/<name>` with `PORT=0` and
 * drives every route over real sockets. One spec, every adapter.
 * @param name - the example's folder under `examples/`.
 * @param env - more environment (e.g. `REDIS_URL`).
 * @param differences - where the demo's runtime is known to answer differently, checked as such.
 */
export function defineContractSuite(
  name: string,
  env: Record<string, string> = {},
  differences: RuntimeDifferences = {},
): void {
  describe(`contract: examples/${name}`, () => {
    let demo: RunningDemo;
    let url: string;
    const clients: SseClient[] = [];
    const track = (client: SseClient): SseClient => {
      clients.push(client);
      return client;
    };

    beforeAll(async () => {
      demo = await startDemo(name, { ...CONTRACT_ENV, ...env });
      url = demo.url;
    });

    afterAll(async () => {
      for (const client of clients) client.close();
      await demo.stop('SIGTERM', 5000);
    });

    const suite: ContractSuite = { name, env, differences, url: () => url, track };
    defineEventsContract(suite);
    definePublishContract(suite);
    defineResumptionContract(suite);
    defineSlowClientsContract(suite);
    defineStatsContract(suite);
    defineTicksContract(suite);
    defineFiniteTopicsContract(suite);
    defineShutdownContract(suite);
  });
}
