import { existsSync } from 'node:fs';
import { Cluster, Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisCluster } from '../src/redis-cluster.js';
import type { RunningRedisCluster } from '../src/redis-cluster.js';
import { redisCall } from '../src/resp.js';
import { startRedisSentinel } from '../src/redis-sentinel.js';
import type { RunningRedisSentinel } from '../src/redis-sentinel.js';
import { startRedis } from '../src/redis-server.js';

// The private Redis launchers themselves: they really start, serve through ioredis (the client
// @ssekit/redis uses), fail over, and stop every process they started.

/** True while a process exists. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function expectGone(pids: readonly (number | undefined)[], dir: string): void {
  for (const pid of pids) {
    expect(pid).toBeGreaterThan(0);
    expect(alive(pid!)).toBe(false);
  }
  expect(existsSync(dir)).toBe(false);
}

async function until<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read().catch(() => undefined);
    if (value !== undefined && ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('startRedis', () => {
  it('serves on a private port, keeps its data across a restart only when asked, and stops', async () => {
    const redis = await startRedis();
    const pids: number[] = [];
    try {
      expect(redis.port).not.toBe(6379);
      expect(await redisCall(redis.port, ['SET', 'k', 'v1'])).toBe('OK');
      await redis.restart();
      expect(await redisCall(redis.port, ['GET', 'k'])).toBe('v1');
      await redis.restart({ keepData: false });
      expect(await redisCall(redis.port, ['GET', 'k'])).toBe(null);
      const info = String(await redisCall(redis.port, ['INFO', 'server']));
      pids.push(Number(/process_id:(\d+)/.exec(info)?.[1]));
    } finally {
      await redis.stop();
    }
    expectGone(pids, redis.dir);
  });
});

describe('startRedisCluster', () => {
  let cluster: RunningRedisCluster;
  let client: Cluster;

  beforeAll(async () => {
    cluster = await startRedisCluster();
    client = new Cluster([...cluster.nodes], { redisOptions: { maxRetriesPerRequest: 1 } });
    // Refused connections to the killed node are expected; the commands' results are checked.
    client.on('error', () => undefined);
  });

  afterAll(async () => {
    client.disconnect();
    await cluster.stop();
  });

  it('runs three primaries with one replica each, every slot served, through ioredis', async () => {
    const shards = await cluster.shards();
    expect(shards.length).toBe(3);
    for (const shard of shards) expect(shard.replicas.length).toBe(1);
    const ports = shards.flatMap((shard) => [shard.primary, ...shard.replicas]);
    expect(new Set(ports)).toEqual(new Set(cluster.nodes.map((node) => node.port)));
    expect(ports).not.toContain(6379);
    const covered = shards.flatMap((shard) => shard.slots).reduce((sum, [from, to]) => sum + to - from + 1, 0);
    expect(covered).toBe(16_384);
    for (const port of ports) expect(alive(cluster.pid(port)!)).toBe(true);

    // One key on each shard, written and read back through the cluster client.
    const keyOf = new Map<number, string>();
    for (let i = 0; keyOf.size < 3 && i < 100; i++) {
      const primary = await cluster.primaryFor(`key-${i}`);
      if (!keyOf.has(primary)) keyOf.set(primary, `key-${i}`);
    }
    expect(keyOf.size).toBe(3);
    for (const key of keyOf.values()) await client.set(key, `value of ${key}`);
    for (const key of keyOf.values()) expect(await client.get(key)).toBe(`value of ${key}`);
  });

  it('promotes the replica of a killed primary, which kept what reached it, and takes the old one back', async () => {
    const key = 'failover-key';
    const primary = await cluster.primaryFor(key);
    const [shard] = (await cluster.shards()).filter((s) => s.primary === primary);
    const node = client.nodes('master').find((n) => n.options.port === primary)!;
    await node.set(key, 'kept');
    // Acknowledged by the replica before the primary dies.
    expect(await node.wait(1, 5000)).toBe(1);

    const pid = cluster.pid(primary)!;
    const promoted = await cluster.killPrimary(primary);
    expect(alive(pid)).toBe(false);
    expect(cluster.pid(primary)).toBeUndefined();
    expect(shard!.replicas).toEqual([promoted]);
    expect(await cluster.primaryFor(key)).toBe(promoted);
    expect(await redisCall(promoted, ['READONLY'])).toBe('OK');
    expect(await redisCall(promoted, ['GET', key])).toBe('kept');
    // The client finds the new primary by itself.
    expect(
      await until(
        () => client.get(key),
        (value) => value === 'kept',
        'the client to read the key',
      ),
    ).toBe('kept');

    await cluster.start(primary);
    const after = (await cluster.shards()).find((s) => s.primary === promoted);
    expect(after?.replicas).toEqual([primary]);
    expect(alive(cluster.pid(primary)!)).toBe(true);
  });

  it('stops exactly the processes it started and removes its directory', async () => {
    const other = await startRedisCluster();
    const pids = other.nodes.map((node) => other.pid(node.port));
    const mine = cluster.nodes.map((node) => cluster.pid(node.port));
    await other.stop();
    expectGone(pids, other.dir);
    for (const pid of mine) expect(alive(pid!)).toBe(true);
  });
});

describe('startRedisSentinel', () => {
  let setup: RunningRedisSentinel;
  let client: Redis;

  beforeAll(async () => {
    setup = await startRedisSentinel();
    client = new Redis({ sentinels: [...setup.sentinels], name: setup.masterName, maxRetriesPerRequest: 1 });
    client.on('error', () => undefined);
  });

  afterAll(async () => {
    client.disconnect();
    await setup.stop();
  });

  it('serves through the sentinels, promotes the replica when the primary is killed, and stops', async () => {
    const [first, second] = setup.dataPorts as [number, number];
    expect(await setup.primary()).toBe(first);
    expect(await client.set('k', 'kept')).toBe('OK');
    expect(await client.wait(1, 5000)).toBe(1);

    const pid = setup.pid(first)!;
    expect(await setup.killPrimary()).toEqual({ killed: first, promoted: second });
    expect(alive(pid)).toBe(false);
    expect(await setup.primary()).toBe(second);
    // The client asks the sentinels again and reads from the new primary.
    expect(
      await until(
        () => client.get('k'),
        (value) => value === 'kept',
        'the client to read the key',
      ),
    ).toBe('kept');
    expect(
      await until(
        () => client.set('k2', 'new'),
        () => true,
        'a write to succeed',
      ),
    ).toBe('OK');

    await setup.start(first);
    expect(await redisCall(first, ['GET', 'k2'])).toBe('new');

    const pids = [...setup.dataPorts, ...setup.sentinels.map((s) => s.port)].map((port) => setup.pid(port));
    client.disconnect();
    await setup.stop();
    expectGone(pids, setup.dir);
  });
});
