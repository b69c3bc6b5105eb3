import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHub, decodeGroupCursor, parseLastEventId } from '@ssekit/core';
import type { Hub } from '@ssekit/core';
import { redisCall, startRedisCluster } from '@ssekit/testkit';
import type { RunningRedisCluster } from '@ssekit/testkit';
import { createRedisBackend, createRedisBus, createRedisReplayStore } from '../src/index.js';
import type { RedisClusterBackend } from '../src/index.js';
import { TextSink, until } from './support/harness.js';

// createRedisBackend({ cluster }) end to end: two hubs on a private Redis Cluster.
let topology: RunningRedisCluster;
let nodes: string[];
let unique = 0;

beforeAll(async () => {
  topology = await startRedisCluster();
  nodes = topology.nodes.map(({ host, port }) => `${host}:${String(port)}`);
});

afterAll(async () => {
  await topology.stop();
});

/** A stream on `topics` of `hub`, read back as events. */
function collect(hub: Hub, topics: string[], lastEventId?: string) {
  const sink = new TextSink();
  const stream = hub.subscribe(sink, { topics, lastEventId: parseLastEventId(lastEventId) });
  const events = (): { id: string; data: string }[] =>
    sink.text
      .split('\n\n')
      .filter((frame) => frame.includes('data: ') && !frame.includes('event: ssekit-reset'))
      .map((frame) => ({
        id: /^id: (.*)$/m.exec(frame)?.[1] ?? '',
        data: /^data: (.*)$/m.exec(frame)?.[1] ?? '',
      }));
  return {
    sink,
    ready: stream.ready,
    events,
    data: () => events().map((event) => event.data),
    waitFor: (count: number) => until(() => events().length >= count, `${String(count)} events`),
    close: () => void stream.close('client'),
  };
}

async function twoHubs(): Promise<{ hubs: Hub[]; close: () => Promise<void> }> {
  const prefix = `cb${String(++unique)}:`;
  const backends: RedisClusterBackend[] = [];
  const hubs: Hub[] = [];
  for (let i = 0; i < 2; i++) {
    const backend = createRedisBackend({ cluster: { nodes }, prefix });
    backends.push(backend);
    hubs.push(createHub({ store: backend.store, bus: backend.bus, heartbeatMs: 0, retry: 100 }));
    await backend.ready;
  }
  return {
    hubs,
    close: async () => {
      for (const hub of hubs) await hub.close();
      for (const backend of backends) await backend.close();
    },
  };
}

describe('createRedisBackend on a Redis Cluster', () => {
  it('delivers across processes and resumes a stream on topics of three shards on the other one', async () => {
    const { hubs, close } = await twoHubs();
    try {
      const topics = ['alpha', 'beta', 'gamma'];
      const owners = new Set(
        await Promise.all(topics.map((topic) => topology.primaryFor(`cb${String(unique)}:{${topic}}:m`))),
      );
      const first = collect(hubs[0]!, topics);
      await first.ready;
      const published: string[] = [];
      for (let i = 0; i < 9; i++) {
        const topic = topics[i % 3]!;
        await hubs[1]!.publish(topic, { data: `${topic} ${String(i)}` });
        published.push(`${topic} ${String(i)}`);
      }
      await first.waitFor(9);
      // Each topic in its order; topics on different shards may arrive interleaved either way.
      const perTopic = (data: string[]): string[][] =>
        topics.map((topic) => data.filter((item) => item.startsWith(`${topic} `)));
      expect(perTopic(first.data())).toEqual(perTopic(published));
      // Each id carries a position per topic (a group each, on up to three shards).
      const cursor = first.events()[4]!.id;
      expect(decodeGroupCursor(cursor, topics)?.size).toBe(3);
      first.close();
      for (let i = 9; i < 12; i++) await hubs[0]!.publish(topics[i % 3]!, { data: `late ${String(i)}` });
      const seen = first.data().slice(0, 5);
      const resumed = collect(hubs[1]!, topics, cursor);
      await resumed.waitFor(7);
      // Exactly what the first stream had not seen when its fifth id was written, then the rest.
      const missed = published.filter((data) => !seen.includes(data));
      expect(resumed.data().slice(0, 4).sort()).toEqual(missed.sort());
      expect(resumed.data().slice(4).sort()).toEqual(['late 10', 'late 11', 'late 9']);
      resumed.close();
      expect(owners.size).toBeGreaterThan(1);
    } finally {
      await close();
    }
  });

  it('after one shard lost a group, resets then sends what that group holds and nothing twice from the others', async () => {
    const { hubs, close } = await twoHubs();
    const prefix = `cb${String(unique)}:`;
    try {
      const topics = ['lost', 'kept'];
      const first = collect(hubs[0]!, topics);
      await first.ready;
      for (const data of ['lost 1', 'kept 1']) await hubs[1]!.publish(data.split(' ')[0]!, { data });
      await first.waitFor(2);
      const cursor = first.events()[1]!.id;
      first.close();
      // The shard of group `lost` comes back empty (as a primary restarted without its data).
      const port = await topology.primaryFor(`${prefix}{lost}:m`);
      const keys = ['m', 's:lost', 'g:lost', 'h:lost', 'x:lost'].map((kind) => `${prefix}{lost}:${kind}`);
      expect(await redisCall(port, ['DEL', ...keys])).toBeGreaterThan(0);
      for (const data of ['lost 2', 'kept 2']) await hubs[1]!.publish(data.split(' ')[0]!, { data });
      const resumed = collect(hubs[0]!, topics, cursor);
      await resumed.waitFor(2);
      expect(resumed.sink.text).toContain('event: ssekit-reset\n');
      expect(resumed.data(), resumed.sink.text).toEqual(['lost 2', 'kept 2']);
      resumed.close();
    } finally {
      await close();
    }
  });

  it('refuses options it cannot honour on a cluster, when the backend is made', () => {
    const cluster = { nodes };
    expect(() => createRedisBackend({ cluster, url: 'redis://127.0.0.1:1' } as never)).toThrow(/exactly one of/);
    expect(() => createRedisBackend({ cluster: { nodes: [] } })).toThrow(/cluster\.nodes/);
    expect(() => createRedisBackend({ cluster: { nodes: ['no-port'] } })).toThrow(/not a node address/);
    expect(() => createRedisBackend({ cluster, group: 'x' as never })).toThrow(/`group` must be a function/);
    expect(() => createRedisBackend({ cluster, prefix: 'a{b}:' })).toThrow(/prefix/);
    expect(() => createRedisBackend({ url: 'redis://127.0.0.1:1', group: () => 'g' } as never)).toThrow(
      /`group` orders topics on a Redis Cluster/,
    );
    expect(() => createRedisReplayStore({ cluster } as never)).toThrow(/createRedisBackend\(\{ cluster \}\)/);
    expect(() => createRedisBus({ cluster } as never)).toThrow(/createRedisBackend\(\{ cluster \}\)/);
  });

  it('refuses a publish with a group the group function cannot give, and names the option', async () => {
    const backend = createRedisBackend({ cluster: { nodes }, prefix: `bad${String(++unique)}:`, group: () => '{x}' });
    const hub = createHub({ store: backend.store, bus: backend.bus, heartbeatMs: 0 });
    try {
      await backend.ready;
      await expect(hub.publish('t', { data: 'x' })).rejects.toThrow(/`group` option/);
    } finally {
      await hub.close();
      await backend.close();
    }
  });
});
