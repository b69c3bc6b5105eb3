import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscribe } from '../../../packages/client/src/index.js';
import type { Subscription } from '../../../packages/client/src/index.js';
import { startDemo } from '../../../packages/testkit/src/demo.js';
import type { RunningDemo } from '../../../packages/testkit/src/demo.js';
import { publish } from '../../../packages/testkit/src/http.js';
import { startRedisCluster } from '../../../packages/testkit/src/redis-cluster.js';
import type { RunningRedisCluster } from '../../../packages/testkit/src/redis-cluster.js';

// The fault test: three demo processes on a private Redis Cluster, 50 readers spread
// over them (each on one to three of 12 topics, so most streams span several shards and resume
// from group cursors), 2,000 publishes, and the primary of one shard SIGKILLed mid-run. Every
// publish answered 202 must reach every reader of its topic exactly once, in its topic's order.
const TOPICS = Array.from({ length: 12 }, (_, i) => `run-${String(i)}`);
const READERS = 50;
const PUBLISHES = 2000;
const IN_FLIGHT = 4;

let topology: RunningRedisCluster;
const demos: RunningDemo[] = [];

beforeAll(async () => {
  topology = await startRedisCluster();
  const nodes = topology.nodes.map(({ host, port }) => `${host}:${String(port)}`).join(',');
  for (let i = 0; i < 3; i++) {
    demos.push(
      await startDemo('cluster', {
        WORKERS: '1',
        REDIS_CLUSTER_NODES: nodes,
        RETRY_MS: '200',
        HEARTBEAT_MS: '1000',
        REPLAY_SIZE: '5000',
        SHUTDOWN_JITTER_MS: '0',
      }),
    );
  }
}, 90_000);

afterAll(async () => {
  for (const demo of demos) await demo.stop('SIGTERM', 5000);
  await topology.stop();
});

interface Reader {
  readonly topics: readonly string[];
  readonly subscription: Subscription<Record<string, string>>;
  /** Data of every event received, in order. */
  readonly received: string[];
  resets: number;
  /** Connections opened, the first included. */
  opens: number;
}

function pick<T>(items: readonly T[], count: number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy.slice(0, count);
}

async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('examples/cluster on a Redis Cluster', () => {
  it('loses no acknowledged event and doubles none when a shard primary is killed mid-run', async () => {
    // One event per topic first: every reader reads from the start, so it holds a resume point
    // before the publishes that are checked.
    for (const topic of TOPICS) {
      expect((await publish(demos[0]!.url, { topic, data: `warm ${topic}` })).status).toBe(202);
    }
    const readers: Reader[] = [];
    for (let r = 0; r < READERS; r++) {
      const topics = pick(TOPICS, 1 + (r % 3));
      const demo = demos[r % demos.length]!;
      const query = topics.map((topic) => `topic=${topic}`).join('&');
      const received: string[] = [];
      const reader: Reader = {
        topics,
        received,
        resets: 0,
        opens: 0,
        subscription: subscribe<Record<string, string>>(`${demo.url}/events?${query}&from=start`, {
          parse: 'text',
          retry: 200,
          maxRetryMs: 1000,
          inactivityMs: 5000,
          onState: (state) => {
            if (state === 'open') reader.opens++;
          },
        }),
      };
      reader.subscription.on('message', (event) => received.push(event.data));
      reader.subscription.on('ssekit-reset', () => reader.resets++);
      readers.push(reader);
    }
    await until(() => readers.every((reader) => reader.received.length === reader.topics.length), 'the warm-ups');

    // The shard to kill, and the topics whose group (the topic itself) it serves.
    const shards = await topology.shards();
    const victim = shards[0]!.primary;
    const owners = await Promise.all(TOPICS.map((topic) => topology.primaryFor(`ssekit:{${topic}}:m`)));
    const onVictim = new Set(TOPICS.filter((_topic, i) => owners[i] === victim));
    expect(onVictim.size).toBeGreaterThan(0);
    let failedOver = false;
    let acknowledgedAfter = 0;
    const acknowledged = new Map<string, { topic: string; id: string }>();
    const failed: string[] = [];
    let next = 0;
    let killed: Promise<number> | undefined;
    const worker = async (): Promise<void> => {
      while (next < PUBLISHES) {
        const n = next++;
        if (n === PUBLISHES / 4) {
          killed = topology.killPrimary(victim).then((port) => {
            failedOver = true;
            return port;
          });
        }
        const topic = TOPICS[n % TOPICS.length]!;
        const data = `p-${String(n)}`;
        const demo = demos[n % demos.length]!;
        try {
          const answer = await publish(demo.url, { topic, data });
          if (answer.status === 202) {
            acknowledged.set(data, { topic, id: (answer.json as { id: string }).id });
            if (failedOver && onVictim.has(topic)) acknowledgedAfter++;
          } else failed.push(`${data}: ${String(answer.status)}`);
        } catch (err) {
          failed.push(`${data}: ${String(err)}`);
        }
        // Spread the run over the failover, which takes seconds.
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
    await killed;
    // The run went on through the failover: publishes on the killed shard's topics were
    // acknowledged after a replica took over.
    expect(acknowledged.size).toBeGreaterThan(PUBLISHES / 2);
    expect(acknowledgedAfter, `failed: ${failed.slice(0, 5).join('; ')}`).toBeGreaterThan(0);

    const expectedOf = (reader: Reader): string[] =>
      [...acknowledged].filter(([, event]) => reader.topics.includes(event.topic)).map(([data]) => data);
    await until(
      () => readers.every((reader) => expectedOf(reader).every((data) => reader.received.includes(data))),
      'every acknowledged event at every reader',
      60_000,
    );
    for (const reader of readers) {
      const checked = reader.received.filter((data) => data.startsWith('p-'));
      // Exactly once: no event twice, and nothing but what was published (a failed publish may
      // or may not have been stored; an acknowledged one must be there).
      expect(new Set(checked).size, `reader on ${reader.topics.join(',')}`).toBe(checked.length);
      for (const data of expectedOf(reader)) expect(checked).toContain(data);
      // Each topic in its order: ids of one topic's group increase.
      for (const topic of reader.topics) {
        const ids = checked
          .map((data) => acknowledged.get(data))
          .filter((event) => event?.topic === topic)
          .map((event) => BigInt(event!.id));
        for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
      }
      expect(reader.resets).toBe(0);
      reader.subscription.close();
    }
    // Every process heard of the lost shard and ended the streams on its topics: their readers
    // came back; readers of the other shards' topics were left alone.
    const touched = (reader: Reader): boolean => reader.topics.some((topic) => onVictim.has(topic));
    expect(readers.filter(touched).every((reader) => reader.opens >= 2)).toBe(true);
    expect(readers.filter((reader) => !touched(reader)).map((reader) => reader.opens)).toEqual(
      readers.filter((reader) => !touched(reader)).map(() => 1),
    );
    console.log(
      `failover: ${String(acknowledged.size)} acknowledged (${String(acknowledgedAfter)} on the killed shard after the ` +
        `failover), ${String(failed.length)} refused, ${String(readers.reduce((sum, r) => sum + r.opens - 1, 0))} reconnects`,
    );
  }, 120_000);
});
