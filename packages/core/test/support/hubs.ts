import { createHub } from '../../src/index.js';
import type { Hub, HubOptions } from '../../src/index.js';

const hubs: { close(): Promise<void> }[] = [];

/** A hub closed after each test (by `closeHubs`, from the test file's `afterEach`), so no timer outlives it. */
export function hubFor<T extends object = Record<string, unknown>>(options: HubOptions = {}): Hub<T> {
  const hub = createHub<T>({ heartbeatMs: 0, writeTimeoutMs: 0, ...options });
  hubs.push(hub);
  return hub;
}

/** Closes every hub `hubFor` made since the last call. */
export async function closeHubs(): Promise<void> {
  await Promise.all(hubs.splice(0).map((hub) => hub.close()));
}
