import type { ClientEvent, Subscription } from '@ssekit/client';
import type { StreamProxy } from '../stream-proxy.js';

/**
 * The settings the client suite starts every demo with: a short `retry:` and heartbeat so each
 * reconnection and silence takes a fraction of a second, a replay buffer that covers every gap
 * the suite makes, and a connection cap the suite reaches on purpose.
 */
export const CLIENT_ENV = {
  RETRY_MS: '100',
  HEARTBEAT_MS: '100',
  REPLAY_SIZE: '100',
  MAX_CONNECTIONS: '3',
} as const;

export const RETRY_MS = Number(CLIENT_ENV.RETRY_MS);
// The client's own reconnection time, far above the demo's: a reconnect within the test's
// deadlines shows the client took the server's `retry:`.
export const CLIENT_RETRY_MS = 60_000;
// Four heartbeats: a stream that still hears them is never taken for a silent one.
export const INACTIVITY_MS = 4 * Number(CLIENT_ENV.HEARTBEAT_MS);

/** The events the suite publishes through `POST /publish`, as an app would type them. */
export interface DemoEvents {
  price: { symbol: string; value: number };
  note: string;
  token: string;
  done: string;
  message: { n: number };
}

/** The body of `/publish`'s 202 answer, as far as the suite reads it. */
export interface Published {
  id: string;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Rejects naming `what` when `promise` takes longer than `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Every event of a subscription, read by a `for await` loop from the start; `done` when it ends. */
export function collect(subscription: Subscription<DemoEvents>): {
  events: ClientEvent<DemoEvents>[];
  done: Promise<void>;
} {
  const events: ClientEvent<DemoEvents>[] = [];
  const done = (async () => {
    for await (const event of subscription) events.push(event);
  })();
  // A loop that throws fails the test where it is awaited; never an unhandled rejection.
  done.catch(() => undefined);
  return { events, done };
}

/** What a test compares: the event without its raw text. */
export const shape = ({ type, data, id }: ClientEvent<DemoEvents>): unknown[] => [type, data, id];

/**
 * What the tests of one demo's client suite share. `url` is read when a test runs: the demo
 * starts in the suite's `beforeAll`.
 */
export interface ClientSuite {
  readonly url: string;
  /** Keeps `subscription` for the suite to close after the test. */
  readonly track: <T extends { close(): void }>(subscription: T) => T;
  /** A proxy to the demo, closed after the test. */
  readonly proxyToDemo: () => Promise<StreamProxy>;
  /** How many streams the demo counts. */
  readonly connections: () => Promise<number | undefined>;
  /** Publishes `body`, checking it was accepted. */
  readonly publishOk: (body: Record<string, unknown>) => Promise<Published>;
  /** Waits until every subscription given is open and the demo counts `count` streams. */
  readonly opened: (list: Subscription<DemoEvents>[], count: number) => Promise<void>;
}
