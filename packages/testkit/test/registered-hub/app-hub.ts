import { createHub } from '@ssekit/core';

/** The events of the app these type tests play: what its one hub publishes. */
export interface AppEvents {
  news: { title: string };
  tick: { n: number };
}

/** The app's hub, declared in `Register` below. */
export const hub = createHub<AppEvents>();

// As an app writes it once: from here on `res.sse`, `ctx.sse` and `reply.sse()` carry AppEvents.
declare module '@ssekit/core' {
  interface Register {
    hub: typeof hub;
  }
}
