import type { Adapter } from './types.js';

// The framework loads on first use, so that importing @ssekit/testkit stays cheap.
const load = () => import('./web-app.js');

/** `sseHandler` on Hono over `@hono/node-server`: the Fetch model on Node. */
export const webAdapter: Adapter = {
  name: 'web (hono)',
  pkg: 'web',
  appWide: false,
  compression: { encoding: 'gzip', streamHeaders: {} },
  addressKey: false,
  errorChannel: false,
  preludes: [],
  plugin: false,
  // The runtime frames the Response and owns the connection: node:http answers the client's
  // `Connection: close`, the retry answer is a streamed body like any other, and an evicted
  // stream's body ends after what was queued.
  transport: {
    streamConnection: 'close',
    sizedRetryAnswer: false,
    preflightLength: true,
    evictionDestroys: false,
    closesAfterStream: false,
  },
  header: (request, name) => (request as Request).headers.get(name) ?? undefined,
  url: (request) => {
    const { pathname, search } = new URL((request as Request).url);
    return pathname + search;
  },
  serve: async (hub, options = {}, setup = {}) => (await load()).serve(hub, options, setup),
  make: async (options) => {
    (await load()).make(options);
  },
};
