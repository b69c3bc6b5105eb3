import { afterEach, describe } from 'vitest';
import { expressAdapters } from './express.js';
import { fastifyAdapter } from './fastify.js';
import { koaAdapters } from './koa.js';
import { nodeHttp } from './node-http.js';
import type { Adapter, MatrixServer } from './types.js';
import { webAdapter } from './web.js';

/** Every adapter of the matrix, each on every framework major it supports. */
export const ADAPTERS: readonly Adapter[] = [nodeHttp, ...expressAdapters, fastifyAdapter, ...koaAdapters, webAdapter];

/**
 * Runs `suite` once per adapter (`describe.each`), with the servers it starts through the
 * adapter closed after each test. One scenario, written once, against node:http, Express 4 and
 * 5, Fastify 5, Koa 2 and 3 and the Web adapter on Hono.
 * @param title - the suite's title; the adapter's name is appended.
 * @param suite - the tests, given the adapter.
 * @param only - runs only on the adapters this accepts (e.g. `(a) => a.appWide`).
 */
export function describeEachAdapter(
  title: string,
  suite: (adapter: Adapter) => void,
  only: (adapter: Adapter) => boolean = () => true,
): void {
  for (const adapter of ADAPTERS.filter(only)) {
    describe(`${title} [${adapter.name}]`, () => {
      const servers: MatrixServer[] = [];
      const tracked: Adapter = {
        ...adapter,
        async serve(...args) {
          const server = await adapter.serve(...args);
          servers.push(server);
          return server;
        },
      };
      afterEach(async () => {
        await Promise.all(servers.splice(0).map((server) => server.close()));
      });
      suite(tracked);
    });
  }
}

export type { Adapter, MatrixOptions, MatrixServer, Prelude, ServeSetup, TicksRoute, Transport } from './types.js';
