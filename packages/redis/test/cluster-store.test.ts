import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeGroupCursor } from '@ssekit/core';
import type { ReplayResult, StoredEvent } from '@ssekit/core';
import { defineReplayStoreConformance, startRedisCluster } from '@ssekit/testkit';
import type { RunningRedisCluster } from '@ssekit/testkit';
import { ClusterConnection } from '../src/cluster/connection.js';
import { ClusterLayout } from '../src/cluster/layout.js';
import { RedisClusterReplayStore } from '../src/cluster/store.js';

// The replay store on a private Redis Cluster (3 primaries, 3 replicas).
let topology: RunningRedisCluster;
const connections: ClusterConnection[] = [];
let unique = 0;

beforeAll(async () => {
  topology = await startRedisCluster();
});

afterAll(async () => {
  await Promise.all(connections.map((connection) => connection.close()));
  await topology.stop();
});

const listening = { assertListening: () => undefined };

function makeStore(options: { size?: number; pageSize?: number; group?: (topic: string) => string } = {}) {
  const connection = new ClusterConnection(
    { nodes: topology.urls.map((url) => url.slice('redis://'.length)) },
    5000,
    () => undefined,
  );
  connections.push(connection);
  const layout = new ClusterLayout(`cstore${String(++unique)}:`, options.group);
  const store = new RedisClusterReplayStore(
    { layout, bus: listening, size: options.size ?? 1000, pageSize: options.pageSize ?? 200, topicTtlMs: undefined },
    connection,
  );
  return { store, layout, connection };
}

// With every topic in one group, the cluster store keeps the whole contract of a single Redis:
// one slot holds the clock and every stream, so ids follow append order across topics.
defineReplayStoreConformance(
  'RedisClusterReplayStore, one ordering group',
  ({ size }) => makeStore({ size, group: () => 'all' }).store,
  {
    retentionSlack: 100,
  },
);

defineReplayStoreConformance(
  'RedisClusterReplayStore, one ordering group, 7 entries a page',
  ({ size }) => makeStore({ size, pageSize: 7, group: () => 'all' }).store,
  { retentionSlack: 100 },
);

function events(result: ReplayResult): readonly StoredEvent[] {
  expect(result).toMatchObject({ ok: true });
  return result.ok ? result.events : [];
}

describe('RedisClusterReplayStore, a group per topic', () => {
  it('spreads topics over every shard, each with its own increasing seq', async () => {
    const { store, layout, connection } = makeStore();
    const topics = Array.from({ length: 12 }, (_, i) => `spread-${String(i)}`);
    const owners = new Set(await Promise.all(topics.map((topic) => topology.primaryFor(layout.meta(topic)))));
    expect(owners.size).toBe(3);
    const stored: StoredEvent[] = [];
    for (const round of [0, 1]) {
      for (const topic of topics)
        stored.push(await store.append({ topic, body: `data: ${topic} ${String(round)}\n\n` }));
    }
    for (const event of stored) {
      expect(event.id).toBe(String(event.seq));
      expect(event.seq).toBeGreaterThan(0);
    }
    for (const topic of topics) {
      const mine = stored.filter((event) => event.topic === topic);
      expect(mine[1]!.seq!).toBeGreaterThan(mine[0]!.seq!);
      // A stream on one group resumes from a plain id, as on one Redis.
      expect(events(await store.since([topic], mine[0]!.id))).toEqual([mine[1]]);
    }
    // Every key of a topic sits on its group's shard.
    const keys = [layout.meta('spread-3'), ...layout.topicKeys('spread-3'), layout.channelOf('spread-3')];
    const slots = await Promise.all(keys.map((key) => connection.client.cluster('KEYSLOT', key)));
    expect(new Set(slots).size).toBe(1);
  });

  it('resumes a stream on several groups from a group cursor, per group exactly', async () => {
    const { store } = makeStore();
    const a1 = await store.append({ topic: 'a', body: 'data: a1\n\n' });
    const b1 = await store.append({ topic: 'b', body: 'data: b1\n\n' });
    const a2 = await store.append({ topic: 'a', body: 'data: a2\n\n', id: 'given-a2' });
    const c1 = await store.append({ topic: 'c', body: 'data: c1\n\n' });
    const b2 = await store.append({ topic: 'b', body: 'data: b2\n\n' });
    expect(a2).toEqual({ topic: 'a', id: 'given-a2', body: 'data: a2\n\n', seq: a2.seq });
    // Seen a1 and b2; nothing of c yet (position 0: c had no events when the stream started).
    const cursor = encodeGroupCursor(
      new Map([
        ['a', a1.seq!],
        ['b', b2.seq!],
        ['c', 0],
      ]),
    );
    expect(events(await store.since(['a', 'b', 'c'], cursor))).toEqual([a2, c1].sort((x, y) => x.seq! - y.seq!));
    const heads = await store.ordering.heads(['a', 'b', 'c', 'never']);
    expect(heads).toEqual(
      new Map([
        ['a', a2.seq],
        ['b', b2.seq],
        ['c', c1.seq],
        ['never', 0],
      ]),
    );
    // From the heads, nothing is missed.
    const seen = new Map([...heads].filter(([group]) => group !== 'never'));
    expect(events(await store.since(['a', 'b', 'c'], encodeGroupCursor(seen)))).toEqual([]);
    // Everything held, each event with its seq.
    expect(events(await store.since(['a', 'b'], undefined))).toEqual([a1, b1, a2, b2].sort((x, y) => x.seq! - y.seq!));
    expect(b1.seq).toBeGreaterThan(0);
  });

  it('says unknown for a cursor of other groups, a plain id on several groups, or a position from the future', async () => {
    const { store } = makeStore();
    const a1 = await store.append({ topic: 'a', body: 'data: a1\n\n' });
    const b1 = await store.append({ topic: 'b', body: 'data: b1\n\n' });
    const cursor = encodeGroupCursor(
      new Map([
        ['a', a1.seq!],
        ['b', b1.seq!],
      ]),
    );
    expect(await store.since(['a', 'c'], cursor)).toMatchObject({ ok: false, reason: 'unknown' });
    expect(await store.since(['a', 'b'], a1.id)).toMatchObject({ ok: false, reason: 'unknown' });
    const future = encodeGroupCursor(
      new Map([
        ['a', a1.seq! + 3_600_000_000],
        ['b', b1.seq!],
      ]),
    );
    expect(await store.since(['a', 'b'], future)).toMatchObject({ ok: false, reason: 'unknown' });
  });

  it('says too_old when a group trimmed what the cursor still needs', async () => {
    const { store } = makeStore({ size: 1 });
    const first = await store.append({ topic: 'x', body: 'data: 0\n\n' });
    await store.append({ topic: 'y', body: 'data: y\n\n' });
    for (let i = 1; i < 250; i++) await store.append({ topic: 'x', body: `data: ${String(i)}\n\n` });
    const heads = await store.ordering.heads(['x', 'y']);
    const cursor = encodeGroupCursor(
      new Map([
        ['x', first.seq!],
        ['y', heads.get('y')!],
      ]),
    );
    expect(await store.since(['x', 'y'], cursor)).toMatchObject({ ok: false, reason: 'too_old' });
  });

  it('knows which topics completed, on every shard', async () => {
    const { store } = makeStore();
    const topics = Array.from({ length: 6 }, (_, i) => `done-${String(i)}`);
    for (const [i, topic] of topics.entries()) await store.append({ topic, body: 'data: x\n\n', final: i % 2 === 0 });
    expect([...(await store.completed(topics))].sort()).toEqual(['done-0', 'done-2', 'done-4']);
    await expect(store.append({ topic: 'done-0', body: 'data: late\n\n' })).rejects.toMatchObject({
      code: 'completed',
    });
  });
});
