import type net from 'node:net';
import type { RunningDemo } from '../demo.js';
import type { RuntimeDifferences } from '../demo-list.js';
import type { RawAnswer } from '../raw-http.js';
import type { SseClient } from '../sse-client.js';

/** The settings the fuzz suite starts a demo with: history long enough to replay it all. */
export const FUZZ_ENV = { RETRY_MS: '1500', HEARTBEAT_MS: '1000', TICK_MS: '1000', REPLAY_SIZE: '100000' } as const;

/** An accepted publish, as a subscriber must receive it. */
export interface Published {
  topic: string;
  id: string;
  event: string | undefined;
  data: string;
}

/**
 * What the tests of one demo's fuzz suite share. The demo, its port, the watcher, the baseline
 * and the refusal count are read when a test runs: they exist once the suite's `beforeAll` has.
 */
export interface FuzzRun {
  /** Where the demo's runtime is known to answer differently, checked as such. */
  readonly differences: RuntimeDifferences;
  /** How many cases each property runs. */
  readonly runs: number;
  /** Every publish the demo accepted (202), in order. */
  readonly published: readonly Published[];
  /** Half-sent requests left open until the suite ends. */
  readonly stalled: net.Socket[];
  /** Sends a publish; a 202 is recorded, anything else must be a clear refusal. */
  readonly publish: (body: Buffer, contentType?: string) => Promise<RawAnswer>;
  readonly demo: RunningDemo;
  readonly port: number;
  /** A stream on the watched topics, open since before the first publish. */
  readonly watcher: SseClient;
  /** `/stats` before the first publish. */
  readonly baseline: Record<string, number>;
  /** How many publishes were refused. */
  readonly refusals: number;
}
