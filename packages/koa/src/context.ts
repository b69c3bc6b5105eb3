import type { SseStream } from '@ssekit/core';

// Merged into ExtendableContext, not DefaultContext: every context type Koa and @koa/router
// build (`ParameterizedContext<S, C>`, `RouterContext<S, C>`) contains ExtendableContext,
// whatever custom `C` an app declares, while DefaultContext drops out as soon as one does.
declare module 'koa' {
  interface ExtendableContext {
    /**
     * This request's event stream, set by `sse()` once the stream has started (headers and
     * `retry:` hint written). `undefined` on requests that are not streams. Middleware that runs
     * around `sse()` can send to this one client with it, e.g. after `await next()`.
     */
    sse?: SseStream;
  }
}
