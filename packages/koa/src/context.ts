import type { RegisteredEvents, SseStream } from '@ssekit/core';

// Merged into ExtendableContext, not DefaultContext: every context type Koa and @koa/router
// build (`ParameterizedContext<S, C>`, `RouterContext<S, C>`) contains ExtendableContext,
// whatever custom `C` an app declares, while DefaultContext drops out as soon as one does.
declare module 'koa' {
  interface ExtendableContext {
    /**
     * This request's event stream, set by `sse()` once the stream has started (headers and
     * `retry:` hint written). `undefined` on requests that are not streams. Middleware that runs
     * around `sse()` can send to this one client with it, e.g. after `await next()`. Typed with
     * the event map of the hub declared in `Register` (see `@ssekit/core`).
     */
    // The registered map, not the default it equals until an app declares its hub in `Register`.
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-arguments
    sse?: SseStream<RegisteredEvents>;
  }
}
