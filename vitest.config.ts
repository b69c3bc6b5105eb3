import { defineConfig } from 'vitest/config';

// One root config; each package is a project so `vitest run --project core` works.
export default defineConfig({
  test: {
    projects: ['packages/*', 'examples/*'].map((glob) => ({
      extends: true as const,
      test: {
        name: glob,
        include: [`${glob}/test/**/*.test.ts`],
        // Type tests live in packages only; one project runs them, so tsc runs once.
        typecheck: { enabled: glob === 'packages/*' },
      },
    })),
    testTimeout: 30_000,
    hookTimeout: 60_000,
    typecheck: {
      enabled: true,
      include: ['packages/*/test/**/*.test-d.ts'],
      tsconfig: './tsconfig.json',
    },
  },
});
