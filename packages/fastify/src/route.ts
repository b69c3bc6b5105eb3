import type { Admission } from '@ssekit/core';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteHandlerMethod } from 'fastify';
import type { Registration } from './reply-sse.js';
import { failAfterStart, subscribeReply } from './reply-sse.js';

/** Each `{ sse }` route handler this plugin made, to the route's own handler. */
const routeHandlers = new WeakMap<RouteHandlerMethod, RouteHandlerMethod>();

/**
 * The handler of an `{ sse }` route: subscribes first, then runs the route's own handler with the
 * stream open (its return value is ignored: the reply is hijacked). A request answered without a
 * stream (the retry answer, a `HEAD`) does not run the route's handler.
 */
export function sseRoute(
  registration: Registration,
  admission: Admission<object, FastifyRequest>,
  handler: RouteHandlerMethod,
): RouteHandlerMethod {
  // A context that registers the plugin again sees the route after its parent did: the
  // nearest registration (the last onRoute hook) wins, over the route's own handler.
  const own = routeHandlers.get(handler) ?? handler;
  const wrapped = async function (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply): Promise<void> {
    const stream = await subscribeReply(reply, admission, registration);
    if (stream === undefined) return;
    try {
      await own.call(this, request, reply);
    } catch (err) {
      failAfterStart(reply, stream, err);
    }
  };
  routeHandlers.set(wrapped, own);
  return wrapped;
}
