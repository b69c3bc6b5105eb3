import { readdirSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

const folders = (root: string): string[] =>
  readdirSync(root, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name);

// One root config. Each package is a project named after its folder, so
// `vitest run --project core` runs one package; each example is `example-<name>`; the type tests
// (`*.test-d.ts`) of every package are the project `types`, so tsc runs once for all of them.
// The type tests of an app that declares its hub in `Register` are the project
// `types-registered`: that declaration is global to its program, so they have a tsconfig of
// their own, which the root one (compiling the examples and docs) leaves out.
const REGISTERED = 'packages/testkit/test/registered-hub';
export default defineConfig({
  // Workspace packages resolve to their TypeScript sources, as the demos run them: a test and
  // the package it imports share one copy of every module (no build needed, one SsekitError).
  resolve: { conditions: ['ssekit-source'] },
  ssr: { resolve: { conditions: ['ssekit-source'] } },
  test: {
    projects: [
      ...folders('packages').map((name) => ({
        extends: true as const,
        test: { name, include: [`packages/${name}/test/**/*.test.ts`] },
      })),
      ...folders('examples').map((name) => ({
        extends: true as const,
        test: { name: `example-${name}`, include: [`examples/${name}/test/**/*.test.ts`] },
      })),
      {
        extends: true as const,
        test: {
          name: 'types',
          include: [],
          typecheck: {
            enabled: true,
            only: true,
            include: ['packages/*/test/**/*.test-d.ts'],
            exclude: ['**/node_modules/**', `${REGISTERED}/**`],
            tsconfig: './tsconfig.json',
          },
        },
      },
      {
        extends: true as const,
        test: {
          name: 'types-registered',
          include: [],
          typecheck: {
            enabled: true,
            only: true,
            include: [`${REGISTERED}/**/*.test-d.ts`],
            tsconfig: `./${REGISTERED}/tsconfig.json`,
          },
        },
      },
    ],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
