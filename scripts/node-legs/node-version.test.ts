import { readlinkSync, realpathSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { request, startDemo } from '../../packages/testkit/src/index.js';

// run.ts names the leg's major version; without it this file is not running in a leg at all.
const major = process.env.SSEKIT_NODE_MAJOR;

describe(`the Node ${major ?? '(unnamed)'} leg`, () => {
  it('runs its tests on that Node', () => {
    expect(major).toMatch(/^\d+$/);
    expect(process.versions.node.split('.')[0]).toBe(major);
  });

  it('starts the demos on the same Node binary', async () => {
    const demo = await startDemo('node-http', { SSEKIT_DEBUG_ROUTES: '1', HEARTBEAT_MS: '0' });
    try {
      const { pid } = (await request(`${demo.url}/debug/heap`)).json as { pid: number };
      expect(realpathSync(readlinkSync(`/proc/${pid}/exe`))).toBe(realpathSync(process.execPath));
    } finally {
      await demo.stop();
    }
  });
});
