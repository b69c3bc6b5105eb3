import type { Request } from 'express';
import { NODE_TRANSPORT, nodeHeader } from './listen.js';
import type { Adapter } from './types.js';

// The framework loads on first use, so that importing @ssekit/testkit stays cheap.
const load = () => import('./express-app.js');

function expressAdapter(name: string, major: 4 | 5): Adapter {
  return {
    name,
    pkg: 'express',
    appWide: true,
    compression: { encoding: 'br', streamHeaders: {} },
    addressKey: true,
    errorChannel: true,
    preludes: ['write'],
    plugin: false,
    transport: NODE_TRANSPORT,
    header: (request, header) => nodeHeader((request as Request).headers, header),
    url: (request) => (request as Request).originalUrl,
    serve: async (hub, options = {}, setup = {}) => (await load()).serve(major, hub, options, setup),
    make: async (options) => {
      (await load()).make(options);
    },
    makeHandDriven: async (options) => {
      (await load()).makeHandDriven(options);
    },
  };
}

/** `sse()` on Express 5 and 4, on a route or app-wide, with the error handler the docs show. */
export const expressAdapters: readonly Adapter[] = [expressAdapter('express 5', 5), expressAdapter('express 4', 4)];
