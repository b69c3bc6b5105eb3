import type { IncomingMessage } from 'node:http';
import { NODE_TRANSPORT, nodeHeader } from './listen.js';
import type { Adapter } from './types.js';

// The handler loads on first use, so that importing @ssekit/testkit stays cheap.
const load = () => import('./node-http-app.js');

/**
 * `createSseHandler` behind a plain `node:http` server that routes `/events` to it (and
 * `/ticks` to `openStream`); `compression` wraps the whole listener, as a plain server would.
 */
export const nodeHttp: Adapter = {
  name: 'node:http',
  pkg: 'node',
  appWide: false,
  compression: { encoding: 'br', streamHeaders: {} },
  addressKey: true,
  errorChannel: false,
  preludes: ['write'],
  plugin: false,
  transport: NODE_TRANSPORT,
  header: (request, name) => nodeHeader((request as IncomingMessage).headers, name),
  url: (request) => (request as IncomingMessage).url ?? '',
  serve: async (hub, options = {}, setup = {}) => (await load()).serve(hub, options, setup),
  make: async (options) => {
    (await load()).make(options);
  },
};
