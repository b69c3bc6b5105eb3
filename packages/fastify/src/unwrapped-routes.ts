import { subscribe } from 'node:diagnostics_channel';
import { SsekitError } from '@ssekit/core';
import type { FastifyInstance, RouteOptions } from 'fastify';

/**
 * `{ sse }` routes no ssekit plugin wrapped would answer nothing and hang: a route declared
 * before the plugin was registered (or after a `register` that was not awaited), or in a context
 * the plugin does not reach. Fastify announces every new instance on the `fastify.initialization`
 * diagnostics channel; from there each instance's `{ sse }` routes are noted as they are
 * declared, the plugin marks the ones it wraps, and `ready()` rejects while any is left.
 */
const wrapped = new WeakSet<object>();

/** Marks a route's options as wrapped by a plugin. */
export function markWrapped(route: object): void {
  wrapped.add(route);
}

subscribe('fastify.initialization', (message) => {
  const app = (message as { fastify?: FastifyInstance }).fastify;
  if (app === undefined) return;
  const declared: (RouteOptions & { sse?: unknown })[] = [];
  app.addHook('onRoute', (route: RouteOptions & { sse?: unknown }) => {
    if (route.sse !== undefined && route.sse !== false) declared.push(route);
  });
  app.addHook('onReady', (done) => {
    // A declaration that threw (a bad `sse` option) added no route: only routes that exist count.
    const exists = (route: RouteOptions): boolean =>
      (Array.isArray(route.method) ? route.method : [route.method]).some((method) =>
        app.hasRoute({ method, url: route.url, constraints: route.constraints }),
      );
    const missed = declared.filter((route) => !wrapped.has(route) && exists(route));
    if (missed.length === 0) {
      done();
      return;
    }
    // The HEAD route Fastify adds beside each GET carries its options: name the GET alone.
    const named = missed.filter(
      (route) => route.method !== 'HEAD' || !missed.some((other) => other.method === 'GET' && other.url === route.url),
    );
    const names = [...new Set(named.map((route) => `${String(route.method)} ${route.url}`))];
    const many = names.length > 1;
    done(
      new SsekitError(
        'invalid_option',
        `ssekit: ${names.join(', ')} ${many ? 'are' : 'is'} declared with \`sse\`, but no @ssekit/fastify plugin wrapped ${many ? 'them' : 'it'}: register the plugin, and await it (\`await app.register(ssekit, { hub })\`), before declaring { sse } routes, in the same context or a parent of theirs.`,
      ),
    );
  });
});
