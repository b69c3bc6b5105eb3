import type { Hub, SseStream } from '@ssekit/core';
import { applyCors, sseHeaders } from '@ssekit/node';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import type { SseRouteOptions } from './options.js';
import { failAfterStart, subscribeReply } from './reply-sse.js';

/** Each `{ sse }` route handler this plugin made, to the route's own handler. */
const routeHandlers = new WeakMap<RouteHandlerMethod, RouteHandlerMethod>();

/**
 * The handler of an `{ sse }` route: subscribes first, then runs the route's own handler with the
 * stream open (its return value is ignored: the reply is hijacked). HEAD gets the headers only.
 */
export function sseRoute(
  hub: Hub<object>,
  options: SseRouteOptions,
  live: Set<SseStream<object>>,
  handler: RouteHandlerMethod,
): RouteHandlerMethod {
  // A context that registers the plugin again sees the route after its parent did: the
  // nearest registration (the last onRoute hook) wins, over the route's own handler.
  const own = routeHandlers.get(handler) ?? handler;
  const subscribeThenHandle = async function (
    this: FastifyInstance,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<void> {
    let stream: SseStream<object>;
    try {
      stream = await subscribeReply(reply, hub, options, live);
    } catch (err) {
      // Answered already (the retry answer over a connection limit): nothing more to do.
      if (reply.sent) return;
      throw err;
    }
    try {
      await own.call(this, request, reply);
    } catch (err) {
      failAfterStart(reply, stream, err);
    }
  };
  const wrapped: RouteHandlerMethod = function (this: FastifyInstance, request, reply) {
    if (request.method === 'GET') return subscribeThenHandle.call(this, request, reply);
    // HEAD (Fastify adds one to every GET route): the headers a stream starts with, no stream.
    if (options.cors !== undefined) applyCors(request.raw, reply.raw, options.cors);
    reply.headers(sseHeaders(request.raw, options.headers)).send();
    return undefined;
  };
  routeHandlers.set(wrapped, own);
  return wrapped;
}
