import { existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './demo.js';

/** Every demo that follows the contract, by folder under `examples/`. */
export const ALL_DEMOS = ['node-http', 'express', 'fastify', 'koa', 'hono'] as const;

/**
 * The demos a suite runs against: `SSEKIT_DEMOS=a,b` narrows the run, else all of them.
 * @throws Error for a name without `examples/<name>/src/server.ts`.
 */
export function chosenDemos(): string[] {
  const chosen = process.env.SSEKIT_DEMOS?.split(',').filter(Boolean) ?? [...ALL_DEMOS];
  for (const name of chosen) {
    if (!existsSync(path.join(repoRoot, 'examples', name, 'src', 'server.ts'))) {
      throw new Error(`examples/${name}/src/server.ts is missing: every demo in the list must exist`);
    }
  }
  return chosen;
}
