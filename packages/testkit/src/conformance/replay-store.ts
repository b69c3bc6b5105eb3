import { afterEach, describe, expect, it } from 'vitest';
import type { ReplayStore, StoredEvent } from '@ssekit/core';
import { cmp, events, withSeq } from './store-results.js';

/** What {@link defineReplayStoreConformance} needs to know about a store. */
export interface ReplayStoreConformanceOptions {
  /**
   * How many events beyond `size` a topic may keep (Redis trims with `MAXLEN ~`, a whole
   * stream node at a time). Resumption must stay exact either way.
   * @default 0
   */
  retentionSlack?: number;
}

/** A fresh, empty store keeping `size` events per topic; each call gets its own. */
export type MakeReplayStore = (options: { size: number }) => ReplayStore | Promise<ReplayStore>;

const ID_GRAMMAR = /^[A-Za-z0-9._~-]{1,128}$/;

/**
 * The `ReplayStore` contract (see `ReplayStore` in `@ssekit/core`), written once and run
 * against every implementation: id shape and order across topics, `since` merging topics in id
 * order, `unknown` and `too_old`, bounded history, caller-given ids.
 * @param name - shown in the test names.
 * @param makeStore - a fresh store per test.
 */
export function defineReplayStoreConformance(
  name: string,
  makeStore: MakeReplayStore,
  options: ReplayStoreConformanceOptions = {},
): void {
  const slack = options.retentionSlack ?? 0;
  describe(`ReplayStore conformance: ${name}`, () => {
    const opened: ReplayStore[] = [];
    const make = async (size = 1000): Promise<ReplayStore> => {
      const store = await makeStore({ size });
      opened.push(store);
      return store;
    };
    afterEach(async () => {
      await Promise.all(
        opened.splice(0).map(async (store) => {
          await store.close?.();
        }),
      );
    });

    it('assigns unique ids of the id grammar, increasing in append order across topics', async () => {
      const store = await make();
      const stored: StoredEvent[] = [];
      for (const [i, topic] of ['a', 'b', 'a', 'c', 'b', 'a'].entries()) {
        stored.push(await store.append({ topic, body: `data: ${i}\n\n` }));
      }
      const ids = stored.map((event) => event.id);
      for (const id of ids) expect(id).toMatch(ID_GRAMMAR);
      expect(new Set(ids).size).toBe(ids.length);
      // Fixed-width decimal ids compare the same as strings and as numbers.
      expect([...ids].sort()).toEqual(ids);
      for (let i = 1; i < ids.length; i++) expect(BigInt(ids[i]!) > BigInt(ids[i - 1]!)).toBe(true);
      expect(stored.map((event) => event.topic)).toEqual(['a', 'b', 'a', 'c', 'b', 'a']);
      expect(stored[3]!.body).toBe('data: 3\n\n');
    });

    it('keeps ids unique and ordered under concurrent appends', async () => {
      const store = await make();
      const results = await Promise.all(
        Array.from({ length: 60 }, async (_, i) =>
          store.append({ topic: i % 2 === 0 ? 'even' : 'odd', body: `data: ${i}\n\n` }),
        ),
      );
      const ids = results.map((result) => result.id);
      expect(new Set(ids).size).toBe(60);
      const first = [...ids].sort()[0]!;
      const replay = events(await store.since(['even', 'odd'], String(BigInt(first) - 1n)));
      expect(replay.map((event) => event.id)).toEqual([...ids].sort());
      expect(replay).toEqual([...results].sort((x, y) => cmp(x.id, y.id)));
    });

    it('returns every later event on the asked topics, oldest first, merged across topics', async () => {
      const store = await make();
      const a1 = await store.append({ topic: 'a', body: 'data: a1\n\n' });
      const b1 = await store.append({ topic: 'b', body: 'data: b1\n\n' });
      const c1 = await store.append({ topic: 'c', body: 'data: c1\n\n' });
      const a2 = await store.append({ topic: 'a', body: 'event: x\ndata: a2\n\n' });
      const b2 = await store.append({ topic: 'b', body: 'data: b2\ndata: é🎉\r\n\n' });
      expect(events(await store.since(['a', 'b'], a1.id))).toEqual([b1, a2, b2]);
      expect(events(await store.since(['b', 'a'], a1.id))).toEqual([b1, a2, b2]);
      expect(events(await store.since(['c'], a1.id))).toEqual([c1]);
      expect(events(await store.since(['a', 'b', 'c'], b2.id))).toEqual([]);
      expect(events(await store.since(['never-used'], a1.id))).toEqual([]);
      expect(b2.body).toBe('data: b2\ndata: é🎉\r\n\n');
    });

    it('returns a long history whole', async () => {
      const store = await make();
      const stored: StoredEvent[] = [];
      for (let i = 0; i < 700; i++)
        stored.push(await store.append({ topic: i % 3 === 0 ? 'x' : 'y', body: `data: ${i}\n\n` }));
      expect(events(await store.since(['x', 'y'], stored[0]!.id))).toEqual(stored.slice(1));
      expect(events(await store.since(['x'], stored[0]!.id))).toEqual(stored.slice(1).filter((e) => e.topic === 'x'));
    });

    it('keeps bodies byte for byte, large ones too', async () => {
      const store = await make();
      const body = `data: ${'ü€𝄞 '.repeat(20_000)}\r\ndata: \0\n\n`;
      const first = await store.append({ topic: 'big', body: 'data: first\n\n' });
      const big = await store.append({ topic: 'big', body });
      expect(big.body).toBe(body);
      expect(events(await store.since(['big'], first.id))).toEqual([big]);
    });

    it("answers 'unknown' for cursors it never issued", async () => {
      const store = await make();
      const first = await store.append({ topic: 'a', body: 'data: 1\n\n' });
      await store.append({ topic: 'a', body: 'data: 2\n\n' });
      // A store may add `predates: true` for a cursor older than all it holds.
      for (const cursor of ['nope', 'custom-id', '12', '0000000000000001', '9999999999999999', '99999999999999999']) {
        expect(await store.since(['a'], cursor), cursor).toMatchObject({ ok: false, reason: 'unknown' });
      }
      // From before the store's first id (an earlier run, another store).
      const before = String(BigInt(first.id) - 2n);
      expect(await store.since(['a'], before)).toMatchObject({ ok: false, reason: 'unknown' });
      // Not issued yet, and beyond any clock a store may assign ids from (an hour ahead): an id
      // between two issued ones may be a tail lost in a failover, which a clock-based store accepts.
      const ahead = String(BigInt(Date.now() + 3_600_000) * 1000n);
      expect(await store.since(['a'], ahead)).toEqual({ ok: false, reason: 'unknown' });
    });

    it("answers 'too_old' once events after the cursor were trimmed, on any asked topic", async () => {
      const size = 5;
      const store = await make(size);
      const kept = await store.append({ topic: 'calm', body: 'data: calm\n\n' });
      const total = size + slack + 30;
      const busy: StoredEvent[] = [];
      for (let i = 0; i < total; i++) busy.push(await store.append({ topic: 'busy', body: `data: ${i}\n\n` }));
      expect(await store.since(['busy'], busy[0]!.id)).toEqual({ ok: false, reason: 'too_old' });
      expect(await store.since(['calm', 'busy'], kept.id)).toEqual({ ok: false, reason: 'too_old' });
      // The calm topic lost nothing after its cursor.
      expect(events(await store.since(['calm'], kept.id))).toEqual([]);
      // The newest `size` events are always there, exactly.
      expect(events(await store.since(['busy'], busy[total - size - 1]!.id))).toEqual(busy.slice(total - size));
      expect(events(await store.since(['busy', 'calm'], busy[total - 2]!.id))).toEqual([busy[total - 1]]);
    });

    it('keeps a bounded history per topic', async () => {
      const size = 4;
      const store = await make(size);
      const total = size + slack + 40;
      const stored: StoredEvent[] = [];
      for (let i = 0; i < total; i++) stored.push(await store.append({ topic: 't', body: `data: ${i}\n\n` }));
      // More than size + slack events back cannot be resumed from.
      const beyond = stored[total - size - slack - 2]!;
      expect(await store.since(['t'], beyond.id)).toEqual({ ok: false, reason: 'too_old' });
      // Whatever it kept, it reports exactly: either everything after a cursor, or too_old.
      for (let i = total - size - slack - 2; i < total; i++) {
        const result = await store.since(['t'], stored[i]!.id);
        if (result.ok) expect(result.events).toEqual(stored.slice(i + 1));
        else expect(result).toEqual({ ok: false, reason: 'too_old' });
      }
    });

    it('with size 0 still says too_old', async () => {
      const store = await make(0);
      const first = await store.append({ topic: 't', body: 'data: 1\n\n' });
      for (let i = 0; i < slack + 2; i++) await store.append({ topic: 't', body: `data: ${i}\n\n` });
      expect(await store.since(['t'], first.id)).toEqual({ ok: false, reason: 'too_old' });
    });

    it('completes a topic with its final event: flags it, says so, and refuses later appends', async () => {
      const store = await make();
      const first = await store.append({ topic: 'run', body: 'data: 1\n\n' });
      const other = await store.append({ topic: 'open', body: 'data: o\n\n' });
      const last = await store.append({ topic: 'run', body: 'event: done\ndata: \n\n', final: true });
      expect(last).toEqual(withSeq(store, { topic: 'run', id: last.id, body: 'event: done\ndata: \n\n', final: true }));
      expect([...(await store.completed(['run', 'open', 'never']))]).toEqual(['run']);
      expect(events(await store.since(['run'], first.id))).toEqual([last]);
      const refused = await Promise.resolve()
        .then(() => store.append({ topic: 'run', body: 'data: late\n\n' }))
        .then(
          () => undefined,
          (err: unknown) => err,
        );
      expect(refused).toMatchObject({ name: 'SsekitError', code: 'completed', status: 409 });
      // Nothing was stored, and other topics go on.
      expect(events(await store.since(['run'], first.id))).toEqual([last]);
      const next = await store.append({ topic: 'open', body: 'data: p\n\n' });
      expect(events(await store.since(['open', 'run'], other.id))).toEqual([last, next]);
    });

    it('without a cursor returns everything it holds on the asked topics, oldest first', async () => {
      const store = await make();
      const a1 = await store.append({ topic: 'a', body: 'data: a1\n\n' });
      const b1 = await store.append({ topic: 'b', body: 'data: b1\n\n' });
      const a2 = await store.append({ topic: 'a', body: 'data: a2\n\n', final: true });
      expect(events(await store.since(['a', 'b'], undefined))).toEqual([a1, b1, a2]);
      expect(events(await store.since(['a'], undefined))).toEqual([a1, a2]);
      expect(events(await store.since(['never'], undefined))).toEqual([]);
    });

    it('uses a caller-given id as is, orders it by append, and resumes from it', async () => {
      const store = await make();
      const before = await store.append({ topic: 't', body: 'data: before\n\n' });
      const given = await store.append({ topic: 't', body: 'data: given\n\n', id: 'order-42.v1' });
      const other = await store.append({ topic: 'u', body: 'data: other\n\n' });
      const after = await store.append({ topic: 't', body: 'data: after\n\n' });
      expect(given).toEqual(withSeq(store, { topic: 't', id: 'order-42.v1', body: 'data: given\n\n' }));
      expect(events(await store.since(['t'], before.id))).toEqual([given, after]);
      expect(events(await store.since(['t'], 'order-42.v1'))).toEqual([after]);
      expect(events(await store.since(['t', 'u'], 'order-42.v1'))).toEqual([other, after]);
    });
  });
}
