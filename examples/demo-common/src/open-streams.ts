import type { HubHooks, Subscription } from '@ssekit/core';

/** Every event stream the demo's hub has open, kept by its hooks (cheaper than a signal per stream). */
const open = new Set<Subscription<object>>();

/** The hooks `createDemoHub` gives its hub to keep {@link openEventStreams}. @internal */
export const openStreamHooks: HubHooks = {
  connect: (stream) => {
    open.add(stream);
  },
  disconnect: (stream) => {
    open.delete(stream);
  },
};

/** The demo hub's open event streams, for the demo route that ends them all. */
export function openEventStreams(): Subscription<object>[] {
  return [...open];
}
