import { Redis } from 'ioredis';
import type { BusHandlers, Envelope } from '@ssekit/core';
import type { RunningRedisCluster } from '@ssekit/testkit';
import type { RedisClusterBus } from '../../src/cluster/bus.js';
import type { ClusterLayout } from '../../src/cluster/layout.js';

/** Records what a bus delivers. */
export class Listener {
  readonly received: Envelope[] = [];
  gaps = 0;
  /** The topics each gap named (`undefined`: every topic). */
  readonly gapTopics: (readonly string[] | undefined)[] = [];
  readonly handlers: BusHandlers = {
    envelope: (envelope) => this.received.push(envelope),
    gap: (topics) => {
      this.gaps++;
      this.gapTopics.push(topics);
    },
  };

  ids(): string[] {
    return this.received.map((envelope) => envelope.id);
  }
}

/** Subscribes a listener to `made` and watches `topics`, once the bus can listen. */
export async function listening(made: RedisClusterBus, topics: readonly string[]): Promise<Listener> {
  const listener = new Listener();
  await made.subscribe(listener.handlers);
  await made.ready;
  for (const topic of topics) await made.watch(topic);
  return listener;
}

/** An envelope whose body names its id. */
export function envelope(topic: string, id: string, seq?: number): Envelope {
  return { topic, id, body: `data: ${id}\n\n`, origin: 'test', ...(seq === undefined ? {} : { seq }) };
}

/** Topics of one group each, one per primary, found with the cluster's own answer. */
export async function topicsOnEveryPrimary(
  topology: RunningRedisCluster,
  layout: ClusterLayout,
  tag: string,
): Promise<Map<number, string>> {
  const byPrimary = new Map<number, string>();
  for (let i = 0; byPrimary.size < 3 && i < 200; i++) {
    const topic = `${tag}-${i}`;
    const primary = await topology.primaryFor(layout.channelOf(topic));
    if (!byPrimary.has(primary)) byPrimary.set(primary, topic);
  }
  if (byPrimary.size < 3) throw new Error('no topic found on some primary');
  return byPrimary;
}

/** Another topic whose slot the same primary serves as `topic`'s. */
export async function topicOnShardOf(
  topology: RunningRedisCluster,
  layout: ClusterLayout,
  topic: string,
): Promise<string> {
  const owner = await topology.primaryFor(layout.channelOf(topic));
  for (let i = 0; i < 200; i++) {
    const candidate = `late-${i}`;
    if ((await topology.primaryFor(layout.channelOf(candidate))) === owner) return candidate;
  }
  throw new Error('no topic found on that shard');
}

/** Moves an empty slot from one primary to another, telling every node, as resharding does. */
export async function moveSlot(topology: RunningRedisCluster, slot: number, from: number, to: number): Promise<void> {
  const nodes = topology.nodes.map((node) => new Redis(node.port, node.host, { lazyConnect: true }));
  for (const node of nodes) node.on('error', () => undefined);
  try {
    const byPort = (port: number): Redis => nodes.find((node) => node.options.port === port) as Redis;
    const [fromId, toId] = await Promise.all([from, to].map((port) => byPort(port).cluster('MYID')));
    await byPort(to).cluster('SETSLOT', slot, 'IMPORTING', String(fromId));
    await byPort(from).cluster('SETSLOT', slot, 'MIGRATING', String(toId));
    if ((await byPort(from).cluster('COUNTKEYSINSLOT', slot)) !== 0) throw new Error(`slot ${slot} holds keys`);
    await byPort(to).cluster('SETSLOT', slot, 'NODE', String(toId));
    await byPort(from).cluster('SETSLOT', slot, 'NODE', String(toId));
    const others = topology.nodes.filter((node) => node.port !== from && node.port !== to);
    // Replicas take the slot map from their primaries; a live primary answers it directly.
    await Promise.all(
      others.map((node) =>
        byPort(node.port)
          .cluster('SETSLOT', slot, 'NODE', String(toId))
          .catch(() => undefined),
      ),
    );
    await topology.healthy();
  } finally {
    for (const node of nodes) node.disconnect();
  }
}
