import { expect } from 'vitest';
import type { ReplayResult, ReplayStore, StoredEvent } from '@ssekit/core';

/** A stored event as `store` returns it: with its `seq` when the store orders ids per group. */
export function withSeq(store: ReplayStore, event: StoredEvent): StoredEvent {
  return store.ordering === undefined ? event : { ...event, seq: expect.any(Number) as number };
}

/** The events of a result that must be `ok`. */
export function events(result: ReplayResult): readonly StoredEvent[] {
  expect(result).toMatchObject({ ok: true });
  return result.ok ? result.events : [];
}

/** Orders ids as strings. */
export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
