import { assertCorsOptions, checkPreflight, forbiddenOrigin } from '@ssekit/core';
import type { CorsOptions } from '@ssekit/core';
import type { FastifyInstance, RouteHandlerMethod, RouteOptions } from 'fastify';

/**
 * A route handler answering CORS preflights (`OPTIONS`): `204` with the allowed origin, method
 * `GET`, the allowed request headers and `Access-Control-Max-Age`; an origin not allowed is
 * refused with `SsekitError('forbidden')` (403) through Fastify's error handler. `{ sse }` routes
 * with `cors` get one by themselves; mount it for routes that call `reply.sse()`.
 *
 * @example
 * ```ts
 * const cors = { origins: ['https://app.example.com'], credentials: true };
 * app.get('/feed', (request, reply) => reply.sse({ cors }));
 * app.options('/feed', ssePreflight(cors));
 * ```
 * @param cors - the stream's CORS options.
 * @throws SsekitError `invalid_option` for bad options, at once.
 */
export function ssePreflight(cors: CorsOptions): RouteHandlerMethod {
  assertCorsOptions(cors);
  return (request, reply) => {
    const { origin } = request.headers;
    const { allowed, headers } = checkPreflight(cors, origin);
    reply.headers(headers);
    if (!allowed) throw forbiddenOrigin();
    return reply.code(204).send();
  };
}

/**
 * Adds the `OPTIONS` route of an `{ sse }` route with `cors`, unless the path has one already
 * (declared before it, or by an earlier registration of the plugin).
 * @param app - the instance the route is declared on, whose prefix the route has.
 * @param route - the GET route, as the `onRoute` hook sees it.
 * @param cors - its merged CORS options.
 */
export function addPreflightRoute(
  app: FastifyInstance,
  route: RouteOptions & { routePath: string },
  cors: CorsOptions,
): void {
  const { constraints } = route;
  if (app.hasRoute({ method: 'OPTIONS', url: route.url, constraints })) return;
  // The instance adds its prefix again; '' is how Fastify records a prefix's own path.
  app.route({
    method: 'OPTIONS',
    url: route.routePath === '' ? '/' : route.routePath,
    constraints,
    handler: ssePreflight(cors),
  });
}
