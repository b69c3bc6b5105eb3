import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * What each Node leg (22 and 24, `run.ts`) runs, relative to the repository root: one line per
 * suite. Node 20 runs all of them in the main `vitest run`.
 */
export const LEG_SUITES = [
  // That the leg runs on the Node it names, and so do the demos it starts.
  'scripts/node-legs/node-version.test.ts',
  // node:http and Express in process: every test of the two packages.
  'packages/node/test/**/*.test.ts',
  'packages/express/test/**/*.test.ts',
  // The black-box contract suite, on the demos named in SSEKIT_DEMOS below.
  'packages/testkit/test/contract.test.ts',
  // The adapter matrix: every scenario on every adapter, in process.
  'packages/testkit/test/adapters/**/*.test.ts',
];

export default defineConfig({
  test: {
    root,
    include: LEG_SUITES,
    env: { SSEKIT_DEMOS: 'node-http,express' },
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
