import { SsekitError } from '@ssekit/core';
import type { Hub, SseStream } from '@ssekit/core';
import type { FastifyInstance, FastifyReply, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { SseReplyMethod } from './augment.js';
import type { SseRouteOptions, SseStreamHandler, SseStreamOptions, SsekitPluginOptions } from './options.js';
import { addPreflightRoute } from './preflight.js';
import { Registration, openReply, openedStream, subscribeReply } from './reply-sse.js';
import { sseRoute } from './route.js';
import { markWrapped } from './unwrapped-routes.js';

function replySse(registration: Registration): SseReplyMethod {
  async function sse(
    this: FastifyReply,
    first?: SseRouteOptions | SseStreamHandler<object>,
    options?: SseStreamOptions,
  ): Promise<SseStream<object> | undefined> {
    if (typeof first === 'function') return openReply(this, first, options, registration);
    // On an `{ sse }` route the subscription already exists: hand it over.
    const current = openedStream(this);
    if (current !== undefined && 'topics' in current && first === undefined) return current;
    const admission = registration.admission(first, 'reply.sse(options)');
    return await subscribeReply(this, admission, registration);
  }
  return sse as SseReplyMethod;
}

function ssekitPlugin(app: FastifyInstance, options: SsekitPluginOptions<object>, done: (err?: Error) => void): void {
  let registration: Registration;
  try {
    const { hub, ...defaults } = options as Partial<SsekitPluginOptions<object>>;
    if (typeof (hub as { subscribe?: unknown } | undefined)?.subscribe !== 'function') {
      throw new SsekitError(
        'invalid_option',
        'ssekit: pass the hub to the plugin: app.register(ssekit, { hub: createHub() }).',
      );
    }
    registration = new Registration(hub as Hub<object>, defaults);
  } catch (err) {
    done(err as Error);
    return;
  }
  const sse = replySse(registration);
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
    const where = `the \`sse\` option of ${String(route.method)} ${route.url}`;
    if (option !== true && (typeof option !== 'object' || option === null)) {
      throw new SsekitError('invalid_option', `ssekit: ${where} must be true, false or an options object.`);
    }
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (methods.some((method) => method !== 'GET' && method !== 'HEAD')) {
      throw new SsekitError(
        'invalid_option',
        `ssekit: \`sse\` is for GET routes (EventSource only sends GET); remove it from ${String(route.method)} ${route.url}.`,
      );
    }
    const admission = registration.admission(option === true ? undefined : option, where);
    route.handler = sseRoute(registration, admission, route.handler);
    markWrapped(route);
    if (admission.cors !== undefined && methods.includes('GET')) addPreflightRoute(this, route, admission.cors);
  });
  // Open streams would hold `app.close()` forever; the hub itself stays open (it may serve others).
  app.addHook('preClose', (next) => {
    registration.closeAll().then(() => {
      next();
    }, next);
  });
  done();
}

/**
 * The ssekit Fastify plugin. Register it once with a hub, and await it; then a GET route opts in
 * with `{ sse: true }` (or `{ sse: { topics, authorize, cors, ... } }`), and any handler may call
 * `reply.sse()` (subscribe) or `reply.sse((stream) => { ... })` (a hand-driven stream).
 *
 * Registered with `fastify-plugin`, so the decorator and hooks apply to the registering context
 * and its children. Its options, and every route's, are checked when they are given: a bad value
 * or an unknown key fails `register` (or the route's declaration). An `{ sse }` route declared
 * where no registration of the plugin reaches it (before an awaited `register`, or in another
 * context) makes `ready()` reject, naming the route.
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
