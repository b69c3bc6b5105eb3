import { expect } from 'vitest';
import type { RuntimeDifferences } from '../demo-list.js';
import { publish } from '../http.js';
import { SseClient } from '../sse-client.js';

/** The settings the contract suite starts every demo with. */
export const CONTRACT_ENV = {
  RETRY_MS: '1500',
  HEARTBEAT_MS: '250',
  TICK_MS: '100',
  REPLAY_SIZE: '100',
} as const;

let topicCounter = 0;
/** A topic no other test uses, so tests on one demo do not see each other's events. */
export function freshTopic(label = 't'): string {
  topicCounter++;
  return `${label}-${topicCounter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** The bytes a published event has on the wire. */
export function wireFrame(id: string, data: string, event?: string): string {
  const lines = data.split(/\r\n|\r|\n/).map((line) => `data: ${line}\n`);
  return `id: ${id}\n${event === undefined ? '' : `event: ${event}\n`}${lines.join('')}\n`;
}

/** The stream without its comment lines (heartbeats may fall anywhere between events). */
export function withoutComments(raw: string): string {
  return raw.replace(/^:[^\n]*\n/gm, '');
}

/** The first line of every stream the suite opens. */
export const RETRY_LINE = `retry: ${CONTRACT_ENV.RETRY_MS}\n`;

/** The body of `/publish`'s 202 answer. */
export interface Published {
  id: string;
  delivered: number;
}

/** Publishes `body`, checking the 202 answer and its shape. */
export async function publishOk(url: string, body: Record<string, unknown>): Promise<Published> {
  const answer = await publish(url, body);
  expect(answer.status, answer.text).toBe(202);
  const result = answer.json as Published;
  expect(typeof result.id).toBe('string');
  expect(typeof result.delivered).toBe('number');
  return result;
}

/** A stream on `topics`, once its retry line has arrived (the demo has subscribed it by then). */
export async function open(url: string, topics: string[], lastEventId?: string, query = ''): Promise<SseClient> {
  const search = topics.map((topic) => `topic=${encodeURIComponent(topic)}`).join('&');
  const client = await SseClient.connect(`${url}/events?${search}${query}`, { lastEventId });
  await client.waitFor((c) => c.raw.startsWith(RETRY_LINE), 5000, 'the retry line');
  return client;
}

/** Orders ids numerically when both are integers (memory ids), else as strings. */
export function compareIds(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What the sections of one demo's contract suite share. */
export interface ContractSuite {
  /** The demo's folder under `examples/`. */
  readonly name: string;
  /** The environment the demo runs with, besides {@link CONTRACT_ENV}. */
  readonly env: Record<string, string>;
  /** Where the demo's runtime is known to answer differently, checked as such. */
  readonly differences: RuntimeDifferences;
  /** The running demo's address: known only once the suite's `beforeAll` has started it. */
  readonly url: () => string;
  /** Keeps `client` for the suite to close when it ends. */
  readonly track: (client: SseClient) => SseClient;
}
