import { vi } from 'vitest';
import { subscribe } from '../../src/index.js';
import type {
  ClientEvent,
  ConnectionState,
  SsekitClientError,
  SubscribeOptions,
  Subscription,
} from '../../src/index.js';
import { closeServers } from './servers.js';

// Closed after each test (by `closeAll`, from the test file's `afterEach`), whatever their event maps.
export const subscriptions: { close(): void }[] = [];

/** After each test: closes its subscriptions, restores its mocks and closes its servers. */
export async function closeAll(): Promise<void> {
  for (const subscription of subscriptions.splice(0)) subscription.close();
  vi.restoreAllMocks();
  await closeServers();
}

type Events = Record<string, unknown>;

/** A subscription closed after the test, with its states and reported errors recorded. */
export function open<T extends object = Events>(
  url: string,
  options: SubscribeOptions = {},
): { subscription: Subscription<T>; states: ConnectionState[]; errors: SsekitClientError[] } {
  const states: ConnectionState[] = [];
  const errors: SsekitClientError[] = [];
  const subscription = subscribe<T>(url, {
    onState: (state) => states.push(state),
    onError: (error) => errors.push(error),
    ...options,
  });
  subscriptions.push(subscription);
  return { subscription, states, errors };
}

/** Reads `count` events from a subscription's iterator (made at once, as users should). */
export async function take<T extends object>(subscription: Subscription<T>, count: number): Promise<ClientEvent<T>[]> {
  const seen: ClientEvent<T>[] = [];
  if (count === 0) return seen;
  for await (const event of subscription) {
    seen.push(event);
    if (seen.length === count) break;
  }
  return seen;
}

/** Everything the iteration yields until it ends, and how it ended. */
export async function drain<T extends object>(
  subscription: Subscription<T>,
): Promise<{ events: ClientEvent<T>[]; thrown: unknown }> {
  const events: ClientEvent<T>[] = [];
  try {
    for await (const event of subscription) events.push(event);
  } catch (thrown) {
    return { events, thrown };
  }
  return { events, thrown: undefined };
}
