import { afterEach, describe, expect, it, vi } from 'vitest';
import { ID_PATTERN, MemoryReplayStore } from '../src/index.js';
import type { ReplayResult, StoredEvent } from '../src/index.js';
import { expectThrowsCode } from './support/helpers.js';

/** Appends `data: <label>\n\n` bodies and returns the stored events. */
function fill(store: MemoryReplayStore, entries: readonly [topic: string, label: string][]): StoredEvent[] {
  return entries.map(([topic, label]) => store.append({ topic, body: `data: ${label}\n\n` }));
}

function events(result: ReplayResult): readonly StoredEvent[] {
  expect(result.ok).toBe(true);
  return result.ok ? result.events : [];
}

describe('MemoryReplayStore', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('assigns increasing fixed-width decimal ids and keeps the body as given', () => {
    const store = new MemoryReplayStore();
    const stored = fill(store, [
      ['a', '1'],
      ['b', '2'],
      ['a', '3'],
    ]);
    for (const event of stored) {
      expect(event.id).toMatch(ID_PATTERN);
      expect(event.id).toMatch(/^\d{16}$/);
    }
    expect(BigInt(stored[1]!.id) - BigInt(stored[0]!.id)).toBe(1n);
    expect(BigInt(stored[2]!.id) - BigInt(stored[1]!.id)).toBe(1n);
    expect(stored[0]).toEqual({ topic: 'a', id: stored[0]!.id, body: 'data: 1\n\n' });
    expect(stored[1]!.body).toBe('data: 2\n\n');
  });

  it('starts ids after the ones an earlier run issued', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const before = new MemoryReplayStore().append({ topic: 't', body: 'data: x\n\n' }).id;
    vi.setSystemTime(new Date('2030-01-01T00:00:01Z'));
    const restarted = new MemoryReplayStore();
    const after = restarted.append({ topic: 't', body: 'data: y\n\n' }).id;
    expect(BigInt(after) > BigInt(before)).toBe(true);
    // The old id is not one this store issued: resuming from it is refused, not mis-replayed.
    expect(restarted.since(['t'], before)).toEqual({ ok: false, reason: 'unknown' });
  });

  it('returns every event after the cursor on one topic, oldest first', () => {
    const store = new MemoryReplayStore();
    const stored = fill(store, [
      ['a', '1'],
      ['a', '2'],
      ['b', 'x'],
      ['a', '3'],
    ]);
    expect(events(store.since(['a'], stored[0]!.id))).toEqual([stored[1], stored[3]]);
    expect(events(store.since(['a'], stored[3]!.id))).toEqual([]);
    expect(events(store.since(['b'], stored[0]!.id))).toEqual([stored[2]]);
  });

  it('merges several topics in append order, whichever topic the cursor came from', () => {
    const store = new MemoryReplayStore();
    const stored = fill(store, [
      ['a', 'a1'],
      ['b', 'b1'],
      ['c', 'c1'],
      ['b', 'b2'],
      ['a', 'a2'],
      ['c', 'c2'],
      ['a', 'a3'],
    ]);
    expect(events(store.since(['c', 'a'], stored[1]!.id))).toEqual([stored[2], stored[4], stored[5], stored[6]]);
    expect(events(store.since(['a', 'b', 'c', 'never'], stored[0]!.id))).toEqual(stored.slice(1));
  });

  it('answers unknown for an id it never issued', () => {
    const store = new MemoryReplayStore();
    const [first] = fill(store, [['t', '1']]);
    const next = String(BigInt(first!.id) + 1n);
    for (const id of ['abc', '0', '1', next, '9'.repeat(16), '1'.repeat(17), `${first!.id}x`]) {
      expect(store.since(['t'], id)).toEqual({ ok: false, reason: 'unknown' });
    }
  });

  it('answers too_old once events after the cursor were trimmed, and replays fully up to then', () => {
    const store = new MemoryReplayStore({ size: 3 });
    const stored = fill(
      store,
      ['1', '2', '3', '4', '5'].map((n) => ['t', n] as [string, string]),
    );
    // Kept: 3, 4, 5. From 2 nothing is missing; from 1, event 2 is.
    expect(events(store.since(['t'], stored[1]!.id))).toEqual(stored.slice(2));
    expect(store.since(['t'], stored[0]!.id)).toEqual({ ok: false, reason: 'too_old' });
    expect(events(store.since(['t'], stored[4]!.id))).toEqual([]);
  });

  it('answers too_old when any one of the topics was trimmed past the cursor', () => {
    const store = new MemoryReplayStore({ size: 2 });
    const stored = fill(store, [
      ['quiet', 'q1'],
      ['busy', 'b1'],
      ['busy', 'b2'],
      ['busy', 'b3'],
    ]);
    expect(store.since(['quiet', 'busy'], stored[0]!.id)).toEqual({ ok: false, reason: 'too_old' });
    expect(events(store.since(['quiet'], stored[0]!.id))).toEqual([]);
    expect(events(store.since(['quiet', 'busy'], stored[1]!.id))).toEqual(stored.slice(2));
  });

  it('keeps only size events per topic', () => {
    const store = new MemoryReplayStore({ size: 2 });
    const stored = fill(store, [
      ['a', '1'],
      ['b', '1'],
      ['a', '2'],
      ['a', '3'],
      ['b', '2'],
      ['a', '4'],
    ]);
    // a keeps 3 and 4, b keeps both of its events.
    expect(events(store.since(['a', 'b'], stored[2]!.id))).toEqual([stored[3], stored[4], stored[5]]);
    expect(events(store.since(['b'], stored[0]!.id))).toEqual([stored[1], stored[4]]);
    expect(store.since(['a'], stored[1]!.id)).toEqual({ ok: false, reason: 'too_old' });
  });

  it('stays correct across many appends (its log compacts itself)', () => {
    const store = new MemoryReplayStore({ size: 5 });
    const stored: StoredEvent[] = [];
    for (let i = 0; i < 5000; i++) stored.push(store.append({ topic: 't', body: `data: ${i}\n\n` }));
    expect(events(store.since(['t'], stored[4994]!.id))).toEqual(stored.slice(4995));
    expect(events(store.since(['t'], stored[4996]!.id))).toEqual(stored.slice(4997));
    expect(store.since(['t'], stored[4993]!.id)).toEqual({ ok: false, reason: 'too_old' });
    expect(store.since(['t'], stored[10]!.id)).toEqual({ ok: false, reason: 'too_old' });
  });

  it('with size 0 keeps nothing and never answers a silent empty replay for a cursor with events after it', () => {
    const store = new MemoryReplayStore({ size: 0 });
    const stored = fill(store, [
      ['t', '1'],
      ['t', '2'],
    ]);
    expect(stored[1]!.body).toBe('data: 2\n\n');
    expect(store.since(['t'], stored[0]!.id)).toEqual({ ok: false, reason: 'too_old' });
    expect(events(store.since(['t'], stored[1]!.id))).toEqual([]);
  });

  it('uses caller-given ids as is and orders them by append', () => {
    const store = new MemoryReplayStore();
    const a = store.append({ topic: 't', body: 'data: a\n\n', id: 'order-1' });
    const b = store.append({ topic: 't', body: 'data: b\n\n' });
    const c = store.append({ topic: 't', body: 'data: c\n\n', id: 'order-3' });
    expect(a).toEqual({ topic: 't', id: 'order-1', body: 'data: a\n\n' });
    expect(events(store.since(['t'], 'order-1'))).toEqual([b, c]);
    expect(events(store.since(['t'], b.id))).toEqual([c]);
    expect(events(store.since(['t'], 'order-3'))).toEqual([]);
  });

  it('never replays a partial list from a caller-given id that was trimmed', () => {
    const store = new MemoryReplayStore({ size: 2 });
    store.append({ topic: 't', body: 'data: a\n\n', id: 'given' });
    fill(store, [
      ['t', '1'],
      ['t', '2'],
      ['t', '3'],
    ]);
    expect(store.since(['t'], 'given').ok).toBe(false);
  });

  it('refuses a size that is not a non-negative integer', () => {
    for (const size of [-1, 1.5, Number.NaN, Infinity]) {
      expectThrowsCode(() => new MemoryReplayStore({ size }), 'invalid_option');
    }
  });
});
