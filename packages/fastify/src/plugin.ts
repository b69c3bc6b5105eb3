import { SsekitError } from '@ssekit/core';
import type { Hub, SseStream } from '@ssekit/core';
import type { FastifyInstance, FastifyReply, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { SseReplyMethod } from './augment.js';
import { checkOptions, merge } from './merge-options.js';
import type { SseDrive, SseRouteOptions, SseStreamOptions, SsekitPluginOptions } from './options.js';
import { addPreflightRoute } from './preflight.js';
import { openReply, openedStream, subscribeReply } from './reply-sse.js';
import { sseRoute } from './route.js';

function replySse(hub: Hub<object>, defaults: SseRouteOptions, live: Set<SseStream<object>>): SseReplyMethod {
  async function sse(
    this: FastifyReply,
    first?: SseRouteOptions | SseDrive<object>,
    options?: SseStreamOptions,
  ): Promise<SseStream<object>> {
    if (typeof first === 'function') return openReply(this, first, options, live);
    // On an `{ sse }` route the subscription already exists: hand it over.
    const current = openedStream(this);
    if (current !== undefined && 'topics' in current && first === undefined) return current;
    return await subscribeReply(this, hub, merge(defaults, first), live);
  }
  return sse as SseReplyMethod;
}

function optionError(message: string): SsekitError {
  return new SsekitError('invalid_option', message);
}

function ssekitPlugin(app: FastifyInstance, options: SsekitPluginOptions, done: (err?: Error) => void): void {
  const hub = options.hub as Hub<object> | undefined;
  if (typeof hub?.subscribe !== 'function') {
    done(optionError('ssekit: pass the hub to the plugin: app.register(ssekit, { hub: createHub() }).'));
    return;
  }
  try {
    checkOptions(options);
  } catch (err) {
    done(err as SsekitError);
    return;
  }
  const defaults = merge({}, options);
  const live = new Set<SseStream<object>>();
  const sse = replySse(hub, defaults, live);
  // Declared once on the reply's shape and filled per request: an encapsulated context may
  // register the plugin again with its own hub, and its hook runs last.
  if (!app.hasReplyDecorator('sse')) app.decorateReply('sse', null as unknown as SseReplyMethod);
  app.addHook('onRequest', (_request, reply, next) => {
    reply.sse = sse;
    next();
  });
  app.addHook('onRoute', function (this: FastifyInstance, route: RouteOptions & { routePath: string }) {
    const option: unknown = route.sse;
    if (option === undefined || option === false) return;
    const where = `${String(route.method)} ${route.url}`;
    if (option !== true && (typeof option !== 'object' || option === null)) {
      throw optionError(`ssekit: the \`sse\` option of ${where} must be true, false or an options object.`);
    }
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (methods.some((method) => method !== 'GET' && method !== 'HEAD')) {
      throw optionError(`ssekit: \`sse\` is for GET routes (EventSource only sends GET); remove it from ${where}.`);
    }
    const routeOptions = option === true ? undefined : (option as SseRouteOptions);
    checkOptions(routeOptions);
    const merged = merge(defaults, routeOptions);
    route.handler = sseRoute(hub, merged, live, route.handler);
    if (merged.cors !== undefined && methods.includes('GET')) addPreflightRoute(this, route, merged.cors);
  });
  // Open streams would hold `app.close()` forever; the hub itself stays open (it may serve others).
  app.addHook('preClose', (next) => {
    Promise.all([...live].map((stream) => stream.close('shutdown'))).then(() => {
      next();
    }, next);
  });
  done();
}

/**
 * The ssekit Fastify plugin. Register it once with a hub; then a GET route opts in with
 * `{ sse: true }` (or `{ sse: { topics, authorize, cors, ... } }`), and any handler may call
 * `reply.sse()` (subscribe) or `reply.sse((stream) => { ... })` (a hand-driven stream).
 *
 * Registered with `fastify-plugin`, so the decorator and hooks apply to the registering context
 * and its children. Register it before the routes that use it.
 *
 * @example
 * ```ts
 * const hub = createHub();
 * const app = Fastify();
 * await app.register(ssekit, { hub });
 * app.get('/events', { sse: true }, (request) => request.log.info('stream open'));
 * ```
 */
export const ssekit = fp(ssekitPlugin, { fastify: '5.x', name: '@ssekit/fastify' });
