import type { FastifyRequest } from 'fastify';
import { NODE_TRANSPORT } from './listen.js';
import type { Adapter } from './types.js';

// The framework loads on first use, so that importing @ssekit/testkit stays cheap.
const load = () => import('./fastify-app.js');

/** The plugin with an `{ sse }` route, and an error handler answering refusals as the docs show. */
export const fastifyAdapter: Adapter = {
  name: 'fastify 5',
  pkg: 'fastify',
  appWide: false,
  compression: { encoding: 'br', streamHeaders: {} },
  addressKey: true,
  errorChannel: true,
  preludes: ['write'],
  plugin: true,
  transport: { ...NODE_TRANSPORT, preflightLength: false },
  header: (request, name) => {
    const value = (request as FastifyRequest).headers[name];
    return Array.isArray(value) ? value[0] : value;
  },
  url: (request) => (request as FastifyRequest).url,
  serve: async (hub, options = {}, setup = {}) => (await load()).serve(hub, options, setup),
  make: async (options) => (await load()).make(options),
};
