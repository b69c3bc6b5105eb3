import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SsekitError, createHub } from '@ssekit/core';
import type { Hub } from '@ssekit/core';
import { redisCall, startRedisCluster } from '@ssekit/testkit';
import type { ClusterShard, RunningRedisCluster } from '@ssekit/testkit';
import { createRedisBackend } from '../src/index.js';
import type { RedisClusterBackend } from '../src/index.js';
import { TextSink, until } from './support/harness.js';

// `replicaAcks` on a Redis Cluster: each publish waits for a replica of its own shard, so a
// stalled replica fails only that shard's publishes, loudly and without hanging.
let topology: RunningRedisCluster;
let nodes: string[];
let shards: ClusterShard[];
let unique = 0;

beforeAll(async () => {
  topology = await startRedisCluster();
  nodes = topology.nodes.map(({ host, port }) => `${host}:${String(port)}`);
  shards = await topology.shards();
});

afterAll(async () => {
  await topology.stop();
});

interface Setup {
  readonly prefix: string;
  readonly backend: RedisClusterBackend;
  readonly hub: Hub;
  /** One topic per shard, in the order of `shards`. */
  readonly topics: string[];
}

async function withHub(run: (setup: Setup) => Promise<void>, commandTimeoutMs?: number): Promise<void> {
  const prefix = `cra${String(++unique)}:`;
  const topics: string[] = [];
  for (const shard of shards) {
    for (let i = 0; ; i++) {
      const topic = `t${String(i)}`;
      if (topics.includes(topic)) continue;
      if ((await topology.primaryFor(`${prefix}{${topic}}:m`)) === shard.primary) {
        topics.push(topic);
        break;
      }
    }
  }
  const backend = createRedisBackend({
    cluster: { nodes },
    prefix,
    commandTimeoutMs,
    replicaAcks: { replicas: 1, timeoutMs: 300 },
  });
  const hub = createHub({ store: backend.store, bus: backend.bus, heartbeatMs: 0, retry: 100 });
  try {
    await backend.ready;
    await run({ prefix, backend, hub, topics });
  } finally {
    await hub.close();
    await backend.close();
  }
}

/** How `promise` settled: its value, or the SsekitError it rejected with (anything else fails). */
async function outcome(promise: Promise<unknown>): Promise<{ ok: true } | { ok: false; error: SsekitError }> {
  try {
    await promise;
    return { ok: true };
  } catch (err) {
    expect(err).toBeInstanceOf(SsekitError);
    return { ok: false, error: err as SsekitError };
  }
}

/** The entry ids of `stream` as the node on `port` holds them (a replica included). */
async function entries(port: number, stream: string): Promise<string[]> {
  const node = new Redis({ host: '127.0.0.1', port, lazyConnect: true });
  try {
    await node.connect();
    await node.call('READONLY');
    return (await node.xrange(stream, '-', '+')).map(([entryId]) => entryId);
  } finally {
    node.disconnect();
  }
}

/** Fails the test rather than waiting on for a promise that never settles. */
function bounded<T>(promise: Promise<T>, what: string, ms = 8000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const guard = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${String(ms)} ms`)), ms);
  });
  return Promise.race([promise, guard]).finally(() => clearTimeout(timer));
}

describe('replicaAcks on a Redis Cluster', () => {
  it('resolves publishes on all three shards once their replica holds them, and delivers them', async () => {
    await withHub(async ({ prefix, hub, topics }) => {
      const sink = new TextSink();
      const stream = hub.subscribe(sink, { topics });
      await stream.ready;
      const published = await bounded(
        Promise.all(
          Array.from({ length: 30 }, (_, i) => {
            const topic = topics[i % topics.length]!;
            return hub.publish(topic, { data: `${topic} ${String(i)}` }).then(() => ({ topic, data: `${i}` }));
          }),
        ),
        'the publishes',
      );
      expect(published).toHaveLength(30);
      // Read each shard's replica right after the publishes resolved, with no waiting.
      for (const [index, shard] of shards.entries()) {
        const topic = topics[index]!;
        expect(await entries(shard.replicas[0]!, `${prefix}{${topic}}:s:${topic}`)).toHaveLength(10);
      }
      await until(() => (sink.text.match(/^data: /gm) ?? []).length >= 30, '30 events delivered');
      for (let i = 0; i < 30; i++) expect(sink.text).toContain(`data: ${topics[i % topics.length]!} ${String(i)}\n`);
      void stream.close('client');
    });
  });

  it('fails only the publishes of a shard whose replica is stalled, keeps their events, and recovers', async () => {
    await withHub(async ({ backend, hub, topics }) => {
      const [stalled, ...others] = topics as [string, ...string[]];
      const replicaPid = topology.pid(shards[0]!.replicas[0]!);
      expect(replicaPid).toBeDefined();
      await hub.publish(stalled, { data: 'before' });
      process.kill(replicaPid!, 'SIGSTOP');
      let failed: Awaited<ReturnType<typeof outcome>>[];
      let fine: Awaited<ReturnType<typeof outcome>>[];
      try {
        [failed, fine] = await Promise.all([
          bounded(
            Promise.all(Array.from({ length: 5 }, (_, i) => outcome(hub.publish(stalled, { data: `stalled ${i}` })))),
            'the stalled shard publishes',
          ),
          bounded(
            Promise.all(others.flatMap((topic) => [1, 2].map((i) => outcome(hub.publish(topic, { data: `ok ${i}` }))))),
            'the other shards publishes',
          ),
        ]);
      } finally {
        process.kill(replicaPid!, 'SIGCONT');
      }
      for (const result of failed) {
        expect(result.ok).toBe(false);
        const error = (result as { error: SsekitError }).error;
        expect(error.code).toBe('unavailable');
        expect(error.message).toMatch(
          /stored on the Redis primary, but only 0 of 1 replicas acknowledged it within 300 ms/,
        );
      }
      for (const result of fine) expect(result).toEqual({ ok: true });
      // A short WAIT does not undo the append: the events are stored (and may have been seen).
      const replay = await backend.store.since([stalled], undefined);
      expect(replay.ok).toBe(true);
      const bodies = replay.ok ? replay.events.map((event) => event.body) : [];
      for (let i = 0; i < 5; i++) expect(bodies.some((body) => body.includes(`data: stalled ${i}\n`))).toBe(true);
      // The replica caught up after SIGCONT: publishes resolve again (bounded retries).
      let after: Awaited<ReturnType<typeof outcome>> = { ok: false, error: new SsekitError('unavailable', '') };
      for (let attempt = 0; attempt < 40 && !after.ok; attempt++) {
        after = await bounded(outcome(hub.publish(stalled, { data: 'after' })), 'a publish after SIGCONT');
      }
      expect(after).toEqual({ ok: true });
    });
  });

  it('rejects an append its primary does not answer in time, saying it may have been stored', async () => {
    await withHub(async ({ prefix, backend, topics }) => {
      const topic = topics[2]!;
      const primary = shards[2]!.primary;
      const stream = `${prefix}{${topic}}:s:${topic}`;
      await backend.store.append({ topic, body: 'data: before\n\n' });
      // Writes wait on the primary (the cluster bus goes on, so no failover): no answer in time.
      await redisCall(primary, ['CLIENT', 'PAUSE', '1500', 'WRITE']);
      const result = await bounded(
        outcome(Promise.resolve(backend.store.append({ topic, body: 'data: x\n\n' }))),
        'the append',
      );
      expect(result.ok).toBe(false);
      const error = (result as { error: SsekitError }).error;
      expect(error.code).toBe('unavailable');
      expect(error.message).toMatch(/did not answer in time .*the event may or may not have been stored/);
      // Here it was: the script ran once the pause ended.
      let held: string[] = [];
      await until(
        () => held.length === 2,
        'the paused append to run',
        5000,
        async () => {
          held = await entries(primary, stream);
        },
      );
      let after: Awaited<ReturnType<typeof outcome>> | undefined;
      for (let attempt = 0; attempt < 40 && after?.ok !== true; attempt++) {
        after = await bounded(
          outcome(Promise.resolve(backend.store.append({ topic, body: 'data: y\n\n' }))),
          'an append',
        );
      }
      expect(after).toEqual({ ok: true });
    }, 600);
  });

  // Last: it changes which node is the primary of a shard.
  it('follows a failover of a shard: appends go to the new primary and wait for its replica', async () => {
    await withHub(async ({ prefix, backend, topics }) => {
      const topic = topics[1]!;
      const [before, after] = [shards[1]!.primary, shards[1]!.replicas[0]!];
      const stream = `${prefix}{${topic}}:s:${topic}`;
      await backend.store.append({ topic, body: 'data: before\n\n' });
      // A graceful failover: both nodes stay up, the old primary becomes a replica of the new one
      // and answers MOVED to a client whose slot map is stale.
      await redisCall(after, ['CLUSTER', 'FAILOVER']);
      let owner = before;
      await until(
        () => owner === after,
        'the replica to take over',
        10_000,
        async () => {
          owner = await topology.primaryFor(`${prefix}{${topic}}:m`);
        },
      );
      await topology.healthy();
      const failures: SsekitError[] = [];
      let stored: { id: string } | undefined;
      for (let attempt = 0; attempt < 40 && stored === undefined; attempt++) {
        try {
          stored = await bounded(
            Promise.resolve(backend.store.append({ topic, body: 'data: after\n\n' })),
            'an append',
          );
        } catch (err) {
          expect(err).toBeInstanceOf(SsekitError);
          failures.push(err as SsekitError);
        }
      }
      expect(failures.map((error) => error.code).filter((code) => code !== 'unavailable')).toEqual([]);
      expect(stored).toBeDefined();
      // On the new primary, and (the WAIT said so) on its replica, the old primary.
      for (const port of [after, before]) expect(await entries(port, stream)).toContain(`${stored!.id}-0`);
    });
  });

  it('checks the option on a cluster as on one Redis, naming the option and the fix', async () => {
    const bad = [
      [{ replicas: 0, timeoutMs: 100 }, /`replicaAcks.replicas` must be an integer of at least 1/],
      [
        { replicas: 1, timeoutMs: 5000 },
        /`replicaAcks.timeoutMs` must be a positive integer of ms below `commandTimeoutMs` \(5000\)/,
      ],
      [null, /`replicaAcks` must be an object/],
    ] as const;
    for (const [replicaAcks, message] of bad) {
      let thrown: unknown;
      try {
        createRedisBackend({ cluster: { nodes }, replicaAcks: replicaAcks as never });
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(SsekitError);
      expect((thrown as SsekitError).code).toBe('invalid_option');
      expect((thrown as SsekitError).message).toMatch(message);
    }
    const fine = createRedisBackend({
      cluster: { nodes },
      commandTimeoutMs: 10_000,
      replicaAcks: { replicas: 1, timeoutMs: 5000 },
    });
    await fine.close();
  });
});
