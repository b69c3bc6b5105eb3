import { Cluster, Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SsekitError } from '@ssekit/core';
import { defineBusConformance, startRedisCluster } from '@ssekit/testkit';
import type { RunningRedisCluster } from '@ssekit/testkit';
import { RedisClusterBus } from '../src/cluster/bus.js';
import type { RedisClusterBusOptions } from '../src/cluster/bus.js';
import { ClusterLayout } from '../src/cluster/layout.js';
import { Recovery } from '../src/cluster/recovery.js';
import { ShardWatch } from '../src/cluster/shard-watch.js';
import { slotOf } from '../src/cluster/slot.js';
import { envelope, listening, moveSlot, topicOnShardOf, topicsOnEveryPrimary } from './support/cluster.js';
import { until } from './support/harness.js';

// The cluster bus against a private Redis Cluster (3 primaries, 3 replicas). The failover case
// kills a primary, so it runs last.
let topology: RunningRedisCluster;
let admin: Cluster;
let unique = 0;
let cleanups: (() => unknown)[] = [];

beforeAll(async () => {
  topology = await startRedisCluster();
  admin = client();
}, 30_000);

afterEach(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
  cleanups = [];
});

afterAll(async () => {
  admin.disconnect();
  await topology.stop();
});

/** A cluster client of its own, as each process would have. */
function client(): Cluster {
  const made = new Cluster([...topology.nodes], { redisOptions: { maxRetriesPerRequest: 1 } });
  made.on('error', () => undefined);
  return made;
}

/** A bus on its own cluster client, closed (with the client) after the test. */
function bus(layout: ClusterLayout, options: Partial<RedisClusterBusOptions> = {}): RedisClusterBus {
  const cluster = client();
  const made = new RedisClusterBus({ cluster, layout, ...options });
  cleanups.push(async () => {
    await made.close();
    cluster.disconnect();
  });
  return made;
}

describe('slotOf', () => {
  it('agrees with CLUSTER KEYSLOT, hash tags included', async () => {
    const pieces = ['a', 'ssekit:', '{', '}', '{}', 'é', '🎉', 'topic/1', ':c:', 'x{y}z', '{{', '}}'];
    const names = Array.from({ length: 300 }, (_, i) => {
      let name = i % 3 === 0 ? `p${i}:{g${i}}:c:t${i}` : '';
      for (let k = 0; k < 1 + (i % 6); k++) name += pieces[Math.floor(Math.random() * pieces.length)] ?? '';
      return `${name}${i}`;
    });
    // One node's own connection: the cluster client may drop a startup connection under it.
    const node = topology.nodes[0] as { host: string; port: number };
    const asked = new Redis(node.port, node.host);
    try {
      const slots = await Promise.all(names.map((name) => asked.cluster('KEYSLOT', name)));
      expect(names.map(slotOf)).toEqual(slots.map(Number));
    } finally {
      asked.disconnect();
    }
  });
});

defineBusConformance('RedisClusterBus', () => {
  // One group for every topic: the suite expects one order across topics, which a cluster
  // keeps within a group (one slot), not across groups.
  const layout = new ClusterLayout(`conf${++unique}:`, () => 'all');
  const clusters: Cluster[] = [];
  return {
    bus: () => {
      const cluster = client();
      clusters.push(cluster);
      return new RedisClusterBus({ cluster, layout });
    },
    close: () => {
      for (const cluster of clusters) cluster.disconnect();
    },
  };
});

describe('RedisClusterBus', () => {
  it('routes each topic to the primary of its slot, on every primary, and ignores foreign messages', async () => {
    const layout = new ClusterLayout(`route${++unique}:`, undefined);
    const topics = [...(await topicsOnEveryPrimary(topology, layout, 'r')).values()];
    const errors: Error[] = [];
    const a = bus(layout, { onError: (error) => errors.push(error) });
    const b = bus(layout);
    const [listenA, listenB] = await Promise.all([listening(a, topics), listening(b, topics)]);
    await admin.spublish(layout.channelOf(topics[0] as string), 'not an envelope');
    for (const [i, topic] of topics.entries()) await b.publish(envelope(topic, `r-${i}`, i + 1));
    const expected = topics.map((topic, i) => envelope(topic, `r-${i}`, i + 1));
    for (const listener of [listenA, listenB]) {
      await until(() => listener.received.length >= 3, 'one envelope per primary', 5000);
      expect([...listener.received].sort((x, y) => x.id.localeCompare(y.id))).toEqual(expected);
    }
    expect(errors.some((error) => error.message.includes('not an ssekit envelope'))).toBe(true);
    expect(a.active && b.active).toBe(true);
  });

  it('stops delivering a topic after the linger, and keeps it when watched again within it', async () => {
    const layout = new ClusterLayout(`linger${++unique}:`, () => 'one');
    const watcher = bus(layout, { lingerMs: 200 });
    const publisher = bus(layout);
    const listener = await listening(watcher, ['t', 'marker']);
    await publisher.publish(envelope('t', 'e1'));
    await until(() => listener.ids().includes('e1'), 'e1', 5000);

    watcher.unwatch('t');
    // Back within the linger: still subscribed, nothing to wait for.
    expect(watcher.watch('t')).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await publisher.publish(envelope('t', 'e2'));
    await until(() => listener.ids().includes('e2'), 'e2', 5000);

    watcher.unwatch('t');
    await until(() => !watcher.watched.includes('t'), 'the linger to end', 5000);
    // The marker shares the slot and connection of `t`, so once it is in, `e3` would be too.
    await publisher.publish(envelope('t', 'e3'));
    await publisher.publish(envelope('marker', 'm'));
    await until(() => listener.ids().includes('m'), 'the marker', 5000);
    expect(listener.ids()).toEqual(['e1', 'e2', 'm']);
  });

  it('after its subscriber connection is killed, drops nothing silently: a gap, then delivery again', async () => {
    const layout = new ClusterLayout(`kill${++unique}:`, undefined);
    const topics = [...(await topicsOnEveryPrimary(topology, layout, 'k')).values()];
    const watcher = bus(layout);
    const listener = await listening(watcher, topics);
    const victim = await topology.primaryFor(layout.channelOf(topics[0] as string));
    const node = new Redis(victim, '127.0.0.1');
    try {
      expect(Number(await node.client('KILL', 'TYPE', 'pubsub'))).toBeGreaterThan(0);
    } finally {
      node.disconnect();
    }
    await until(() => listener.gaps === 1 && watcher.active, 'a gap, then listening again', 10_000);
    for (const [i, topic] of topics.entries()) await watcher.publish(envelope(topic, `k-${i}`));
    await until(() => listener.received.length === 3, 'every topic again', 5000);
  });

  it('tells the gap only once every lost subscription is back, delivering none before, naming their topics', () => {
    const gaps: (readonly string[])[] = [];
    const recovery = new Recovery((topics) => gaps.push(topics));
    const [x, y, z] = [new ShardWatch('x', 'cx', 1), new ShardWatch('y', 'cy', 2), new ShardWatch('z', 'cz', 3)];
    for (const watch of [x, y, z]) recovery.subscribed(watch);
    for (const watch of [x, y]) recovery.lost(watch);
    recovery.subscribed(x);
    expect([x.state, y.state, gaps.length, recovery.settled]).toEqual(['back', 'lost', 0, false]);
    recovery.subscribed(y);
    expect([x.state, y.state, gaps.length, recovery.settled]).toEqual(['live', 'live', 1, true]);
    // z kept its subscription: its streams are not told of a gap.
    expect([...gaps[0]!].sort()).toEqual(['x', 'y']);
    // A lost topic that is unwatched no longer holds the others back.
    recovery.lost(x);
    recovery.lost(y);
    recovery.subscribed(x);
    recovery.forget(y);
    expect([x.state, gaps.length]).toEqual(['live', 2]);
    expect(gaps[1]).toEqual(['x']);
  });

  it('refuses bad options at construction, naming the option', () => {
    const layout = new ClusterLayout('opts:', undefined);
    const cases: [Partial<RedisClusterBusOptions>, string][] = [
      [{ layout }, '`cluster`'],
      [{ cluster: admin, layout: { prefix: 'x' } as unknown as ClusterLayout }, '`layout`'],
      [{ cluster: admin, layout, lingerMs: -1 }, '`lingerMs`'],
      [{ cluster: admin, layout, subscribeTimeoutMs: 0 }, '`subscribeTimeoutMs`'],
      [{ cluster: admin, layout, commandTimeoutMs: 1.5 }, '`commandTimeoutMs`'],
      [{ cluster: admin, layout, onError: 'log' as unknown as () => void }, '`onError`'],
    ];
    for (const [options, named] of cases) {
      const refused = (() => {
        try {
          new RedisClusterBus(options as RedisClusterBusOptions);
        } catch (err) {
          return err;
        }
        return undefined;
      })();
      expect(refused).toBeInstanceOf(SsekitError);
      expect(refused).toMatchObject({ code: 'invalid_option' });
      expect((refused as Error).message).toContain(named);
    }
  });

  it('when the slot of a watched topic moves, tells a gap and listens on the new owner', async () => {
    const layout = new ClusterLayout(`move${++unique}:`, undefined);
    const channel = layout.channelOf('mv');
    const source = await topology.primaryFor(channel);
    const target = (await topology.shards()).find((shard) => shard.primary !== source)?.primary as number;
    const watcher = bus(layout);
    const publisher = bus(layout);
    // `stay` lives in another slot, which does not move: its streams need not resume.
    expect(slotOf(layout.channelOf('stay'))).not.toBe(slotOf(channel));
    const listener = await listening(watcher, ['mv', 'stay']);
    // Knows the slot map of before the move, and watches only after it.
    const stale = bus(layout, { subscribeTimeoutMs: 300 });
    const staleListener = await listening(stale, []);
    await publisher.publish(envelope('mv', 'before'));
    await until(() => listener.ids().includes('before'), 'the first envelope', 5000);

    await moveSlot(topology, slotOf(channel), source, target);
    await until(() => listener.gaps === 1 && watcher.active, 'a gap, then listening again', 10_000);
    expect(listener.gapTopics).toEqual([['mv']]);
    expect(await topology.primaryFor(channel)).toBe(target);
    // Its SSUBSCRIBE goes to the old owner, whose MOVED ioredis drops: it times out, and the
    // bus reads the slot map again.
    await Promise.race([
      stale.watch('mv'),
      new Promise((_resolve, reject) => setTimeout(() => reject(new Error('watch did not settle')), 5000)),
    ]);
    await publisher.publish(envelope('mv', 'after'));
    for (const each of [listener, staleListener]) {
      await until(() => each.ids().includes('after'), 'delivery from the new owner', 5000);
    }
    expect(listener.ids()).toEqual(['before', 'after']);
    expect(staleListener.ids()).toEqual(['after']);
    expect(staleListener.gaps).toBe(0);
  });

  it('after a primary fails over, tells a gap and delivers every shard again on the new owners', async () => {
    const layout = new ClusterLayout(`fail${++unique}:`, undefined);
    const byPrimary = await topicsOnEveryPrimary(topology, layout, 'f');
    const topics = [...byPrimary.values()];
    const options = { commandTimeoutMs: 2000, subscribeTimeoutMs: 500 };
    const a = bus(layout, options);
    const b = bus(layout, options);
    // Publishes only, so it never refuses for want of a subscription: the cluster client answers.
    const publisher = bus(layout, options);
    const [listenA, listenB] = await Promise.all([listening(a, topics), listening(b, topics)]);
    const [victim, victimTopic] = [...byPrimary][0] as [number, string];

    const late = await topicOnShardOf(topology, layout, victimTopic);

    const killed = topology.killPrimary(victim);
    await until(() => topology.pid(victim) === undefined, 'the primary to be killed', 5000);
    // Watched while its shard is down: settles once the promoted replica confirmed it.
    const lateWatched = Promise.all([a.watch(late), b.watch(late)]);
    // Publishes on the failing shard settle one way or the other, in bounded time.
    const outcomes: string[] = [];
    const deadline = Date.now() + 3000;
    for (let i = 0; Date.now() < deadline; i++) {
      const started = Date.now();
      const from = i % 2 === 0 ? a : publisher;
      const outcome = await from.publish(envelope(victimTopic, `during-${i}`)).then(
        () => 'ok',
        (err: unknown) => (err instanceof SsekitError ? err.code : String(err)),
      );
      expect(Date.now() - started).toBeLessThan(options.commandTimeoutMs + 1000);
      outcomes.push(outcome);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(outcomes.every((outcome) => outcome === 'ok' || outcome === 'unavailable')).toBe(true);
    await killed;
    await topology.healthy();

    await until(() => listenA.gaps > 0 && listenB.gaps > 0, 'a gap on both buses', 15_000);
    await until(() => a.active && b.active, 'both buses listening again', 15_000);
    await Promise.race([
      lateWatched,
      new Promise((_resolve, reject) => setTimeout(() => reject(new Error('watch did not settle')), 10_000)),
    ]);
    for (const [i, topic] of [...topics, late].entries()) await b.publish(envelope(topic, `after-${i}`));
    for (const listener of [listenA, listenB]) {
      await until(() => listener.ids().filter((id) => id.startsWith('after-')).length === 4, 'every shard', 5000);
    }
  }, 40_000);
});
