import type { Context } from 'koa';
import { NODE_TRANSPORT, nodeHeader } from './listen.js';
import type { Adapter } from './types.js';

// The framework loads on first use, so that importing @ssekit/testkit stays cheap.
const load = () => import('./koa-app.js');

function koaAdapter(name: string, major: 2 | 3): Adapter {
  return {
    name,
    pkg: 'koa',
    appWide: true,
    compression: { encoding: 'br', streamHeaders: { vary: 'Accept-Encoding' } },
    addressKey: true,
    errorChannel: true,
    preludes: ['write', 'unawaited'],
    plugin: false,
    transport: NODE_TRANSPORT,
    header: (request, header) => nodeHeader((request as Context).req.headers, header),
    url: (request) => (request as Context).url,
    serve: async (hub, options = {}, setup = {}) => (await load()).serve(major, hub, options, setup),
    make: async (options) => {
      (await load()).make(options);
    },
    makeHandDriven: async (options) => {
      (await load()).makeHandDriven(options);
    },
  };
}

/** `sse()` on Koa 3 and 2, on a `@koa/router` route or app-wide. */
export const koaAdapters: readonly Adapter[] = [koaAdapter('koa 3', 3), koaAdapter('koa 2', 2)];
