import { defineHardeningSuite } from '../src/hardening-suite.js';

// The Node demos: Bun and Deno own their connections (docs/frameworks.md says how).
for (const name of ['node-http', 'express', 'fastify', 'koa', 'hono']) defineHardeningSuite(name);
