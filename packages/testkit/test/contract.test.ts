import { existsSync } from 'node:fs';
import path from 'node:path';
import { defineContractSuite } from '../src/contract.js';
import { repoRoot } from '../src/demo.js';

// Every demo that follows shared/CONTRACT.md; SSEKIT_DEMOS=a,b narrows the run to some of them.
const ALL = ['node-http', 'express', 'fastify', 'koa', 'hono'];
const chosen = process.env.SSEKIT_DEMOS?.split(',').filter(Boolean) ?? ALL;

for (const name of chosen) {
  if (!existsSync(path.join(repoRoot, 'examples', name, 'src', 'server.ts'))) {
    throw new Error(`examples/${name}/src/server.ts is missing: every demo in the list must exist`);
  }
  defineContractSuite(name);
}
