import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredEvent } from '@ssekit/core';
import { startRedis } from '@ssekit/testkit';
import type { RunningRedis } from '@ssekit/testkit';
import { createRedisReplayStore } from '../src/index.js';
import type { RedisReplayStore } from '../src/index.js';

// Ids come from a hybrid clock in the append script, max(last + 1, Redis TIME in µs), so a
// primary that lost its newest writes (a promoted replica) never hands out one of their ids again.
let redis: RunningRedis;
let raw: Redis;
let unique = 0;

beforeAll(async () => {
  redis = await startRedis();
  raw = new Redis(redis.url);
});

afterAll(async () => {
  raw.disconnect();
  await redis.stop();
});

/** Redis's own clock, in µs. */
async function serverMicros(): Promise<bigint> {
  const [seconds = 0, micros = 0] = await raw.time();
  return BigInt(seconds) * 1_000_000n + BigInt(micros);
}

async function withStore(run: (store: RedisReplayStore, prefix: string) => Promise<void>): Promise<void> {
  const prefix = `clock${++unique}:`;
  const store = createRedisReplayStore({ url: redis.url, prefix });
  try {
    await run(store, prefix);
  } finally {
    await store.close();
  }
}

describe('ids from the hybrid clock', () => {
  it('are 16-digit decimals, strictly increasing, and never behind the server clock at publish', async () => {
    await withStore(async (store) => {
      let previous = 0n;
      for (let i = 0; i < 50; i++) {
        const before = await serverMicros();
        const stored = await store.append({ topic: i % 2 === 0 ? 'a' : 'b', body: `data: ${i}\n\n` });
        expect(stored.id).toMatch(/^\d{16}$/);
        const id = BigInt(stored.id);
        expect(id >= before).toBe(true);
        expect(id > previous).toBe(true);
        previous = id;
      }
      // Concurrent appends in the same microseconds still get distinct, increasing ids.
      const burst = await Promise.all(
        Array.from({ length: 200 }, (_, i) => store.append({ topic: 'c', body: `data: ${i}\n\n` })),
      );
      const ids = burst.map((event) => BigInt(event.id));
      expect(new Set(ids).size).toBe(200);
      expect(ids.every((id) => id > previous)).toBe(true);
    });
  });

  it('a store that lost its newest writes (a promoted replica) never reissues their ids', async () => {
    await withStore(async (store, prefix) => {
      const kept: StoredEvent[] = [];
      for (let i = 0; i < 5; i++) kept.push(await store.append({ topic: 't', body: `data: kept ${i}\n\n` }));
      // What the replica had when the primary died: the keys as of now, dumped.
      const keys = [`${prefix}meta`, `${prefix}s:t`, `${prefix}x:t`];
      const dumps = await Promise.all(keys.map((key) => raw.dumpBuffer(key)));
      const lost: StoredEvent[] = [];
      for (let i = 0; i < 20; i++) lost.push(await store.append({ topic: 't', body: `data: lost ${i}\n\n` }));
      // The failover: the writes after the dump are gone, counter and stream alike.
      for (const [i, key] of keys.entries()) await raw.restore(key, 0, dumps[i]!, 'REPLACE');
      expect(await raw.hget(`${prefix}meta`, 'last')).toBe(kept.at(-1)!.id);

      const after: StoredEvent[] = [];
      for (let i = 0; i < 20; i++) after.push(await store.append({ topic: 't', body: `data: after ${i}\n\n` }));
      const handedOut = new Set([...kept, ...lost].map((event) => event.id));
      for (const event of after) expect(handedOut.has(event.id)).toBe(false);
      const newestLost = BigInt(lost.at(-1)!.id);
      for (const event of after) expect(BigInt(event.id) > newestLost).toBe(true);

      // A client that saw the lost events live resumes after them, exactly, with nothing reused.
      expect(await store.since(['t'], lost.at(-1)!.id)).toEqual({ ok: true, events: after });
      expect(await store.since(['t'], lost[3]!.id)).toEqual({ ok: true, events: after });
      // A client that saw only what survived gets what survived and what came after.
      expect(await store.since(['t'], kept[2]!.id)).toEqual({ ok: true, events: [...kept.slice(3), ...after] });
    });
  });

  it('accepts a cursor above the last id up to the clock (a lost tail), and not beyond it', async () => {
    await withStore(async (store) => {
      const first = await store.append({ topic: 't', body: 'data: 1\n\n' });
      const lostTail = String(BigInt(first.id) + 5n);
      // Wait until the server clock has passed the cursor, so it is a possible lost tail.
      const deadline = Date.now() + 5000;
      while ((await serverMicros()) <= BigInt(lostTail) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
      expect(await store.since(['t'], lostTail)).toEqual({ ok: true, events: [] });
      const next = await store.append({ topic: 't', body: 'data: 2\n\n' });
      expect(BigInt(next.id) > BigInt(lostTail)).toBe(true);
      expect(await store.since(['t'], lostTail)).toEqual({ ok: true, events: [next] });
      // An hour ahead of the clock no store of this Redis could have issued it.
      const future = String((await serverMicros()) + 3_600_000_000n);
      expect(await store.since(['t'], future)).toEqual({ ok: false, reason: 'unknown' });
    });
  });
});
