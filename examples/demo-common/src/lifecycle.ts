/**
 * What a demo's resources need around its server: something to wait for before it announces
 * that it listens (a Redis backend subscribing), and something to close after its streams
 * ended. `createDemoHub` registers them; `announce` and `exitOnSignals` honour them.
 */
const pending: Promise<unknown>[] = [];
const closers: (() => Promise<void>)[] = [];

/** `announce` waits for `promise` before printing `listening on`. */
export function announceAfter(promise: Promise<unknown>): void {
  pending.push(promise);
}

/** `exitOnSignals` runs `close` after the streams ended, before the process exits. */
export function closeOnExit(close: () => Promise<void>): void {
  closers.push(close);
}

/** Settles when everything registered with {@link announceAfter} did. */
export async function whenReady(): Promise<void> {
  await Promise.all(pending);
}

/** Runs every closer registered with {@link closeOnExit}; failures do not stop the others. */
export async function closeResources(): Promise<void> {
  await Promise.allSettled(closers.splice(0).map((close) => close()));
}
