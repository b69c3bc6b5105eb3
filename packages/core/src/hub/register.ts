import type { EventsOf } from './hub-types.js';

/**
 * Where an app declares its hub, once, so the per-request helpers of every adapter (`res.sse` in
 * Express, `ctx.sse` in Koa, `reply.sse()` in Fastify) carry its event map and a misspelled
 * event name or a wrong payload fails to compile:
 *
 * ```ts
 * declare module '@ssekit/core' {
 *   interface Register {
 *     hub: typeof hub;
 *   }
 * }
 * ```
 *
 * Without it those helpers accept any event name and data.
 */
// Empty on purpose: apps add `hub` to it by declaration merging.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface Register {}

/** The event map of the hub declared in {@link Register}, or any map when none is. */
export type RegisteredEvents = Register extends { hub: infer THub } ? EventsOf<THub> : Record<string, unknown>;
