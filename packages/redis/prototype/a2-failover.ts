// (a) What a sharded subscriber sees when a cluster primary is killed mid-publish:
// A = ioredis Cluster with `shardedSubscribers: true`; B = one plain connection per primary,
// managed by hand. The publisher appends with XADD + SPUBLISH in one script (as the store
// would) and records which publishes were acknowledged.
import { Redis } from 'ioredis';
import { cluster, log, sleep, startRedisCluster } from './common.js';

const TOPICS = 30;
const RUN_MS = 9000;
const KILL_AT_MS = 2000;
const APPEND = `redis.call('XADD', KEYS[1], '*', 'b', ARGV[1]) return redis.call('SPUBLISH', KEYS[2], ARGV[1])`;

const c = await startRedisCluster();
const t0 = performance.now();
const at = (): number => Math.round(performance.now() - t0);
try {
  const pub = cluster(c.nodes, { redisOptions: { maxRetriesPerRequest: 0, enableOfflineQueue: false } });
  const channel = (i: number): string => `ssekit:{t${i}}:c`;
  const stream = (i: number): string => `ssekit:{t${i}}:s`;

  // A: ioredis's sharded subscriber group.
  const a = cluster(c.nodes, { shardedSubscribers: true });
  const aGot = new Map<string, number>();
  const aEvents: string[] = [];
  a.on('smessage', (_ch: string, m: string) => aGot.set(m, at()));
  for (const e of ['+subscriber', '-subscriber', 'subscribersReady', '-node', '+node', 'refresh', 'error']) {
    a.on(e, () => aEvents.push(`${at()}:${e}`));
  }
  for (let i = 0; i < TOPICS; i++) await a.ssubscribe(channel(i));

  // B: one connection per primary, subscribed to the channels of its slots; on close, find the
  // new owner and subscribe there.
  const bGot = new Map<string, number>();
  const bEvents: string[] = [];
  const owners = new Map<number, Redis>();
  const channelsByPort = async (): Promise<Map<number, string[]>> => {
    const map = new Map<number, string[]>();
    for (let i = 0; i < TOPICS; i++) {
      const port = await c.primaryFor(channel(i));
      map.set(port, [...(map.get(port) ?? []), channel(i)]);
    }
    return map;
  };
  const connectB = async (): Promise<void> => {
    for (const [port, channels] of await channelsByPort()) {
      if (owners.has(port)) continue;
      const conn = new Redis(port, '127.0.0.1', { retryStrategy: () => null, maxRetriesPerRequest: 0 });
      conn.on('error', () => undefined);
      owners.set(port, conn);
      conn.on('smessage', (_ch: string, m: string) => bGot.set(m, at()));
      conn.on('close', () => {
        bEvents.push(`${at()}:close ${port}`);
        owners.delete(port);
        // The shard's topics had a gap: here the hub would repair them from the store.
        void (async () => {
          for (;;) {
            await sleep(100);
            try {
              await connectB();
              bEvents.push(`${at()}:resubscribed`);
              return;
            } catch {
              // topology not settled yet
            }
          }
        })();
      });
      // Subscribe per slot (SSUBSCRIBE takes channels of one slot per call).
      for (const ch of channels) await conn.ssubscribe(ch);
    }
  };
  await connectB();

  // Publisher.
  const acked = new Map<string, { at: number; topic: number }>();
  const failed: { at: number; error: string }[] = [];
  let seq = 0;
  const killed = { port: 0, promoted: 0, start: 0, end: 0 };
  const killer = (async () => {
    await sleep(KILL_AT_MS);
    killed.port = await c.primaryFor(channel(0));
    killed.start = at();
    killed.promoted = await c.killPrimary(killed.port);
    killed.end = at();
  })();
  while (at() < RUN_MS) {
    const batch = [];
    for (let k = 0; k < 10; k++) {
      const i = seq % TOPICS;
      const m = `m${seq++}`;
      batch.push(
        pub.eval(APPEND, 2, stream(i), channel(i), m).then(
          () => acked.set(m, { at: at(), topic: i }),
          (err: unknown) => failed.push({ at: at(), error: (err as Error).message.slice(0, 60) }),
        ),
      );
    }
    await Promise.all(batch);
    await sleep(5);
  }
  await killer;
  await sleep(500);

  const killedShardTopics = new Set<number>();
  for (let i = 0; i < TOPICS; i++) if ((await c.primaryFor(channel(i))) === killed.promoted) killedShardTopics.add(i);
  const report = (name: string, got: Map<string, number>): void => {
    const missing = [...acked].filter(([m]) => !got.has(m));
    const onKilled = missing.filter(([, v]) => killedShardTopics.has(v.topic));
    const lastMissing = Math.max(...missing.map(([, v]) => v.at), 0);
    const firstMissing = Math.min(...missing.map(([, v]) => v.at), Infinity);
    log(
      `${name}: acknowledged ${acked.size}, received ${[...acked.keys()].filter((m) => got.has(m)).length}, ` +
        `missing ${missing.length} (${onKilled.length} on the killed shard's topics), acked at ${firstMissing}..${lastMissing} ms`,
    );
  };
  log(
    `killed primary ${killed.port} at ${killed.start} ms; replica ${killed.promoted} promoted, cluster healthy at ${killed.end} ms`,
  );
  log(
    `publishes: ${seq}, acknowledged ${acked.size}, failed ${failed.length}` +
      (failed.length > 0 ? ` (from ${failed[0]!.at} to ${failed.at(-1)!.at} ms, e.g. "${failed[0]!.error}")` : ''),
  );
  const acks = [...acked.values()].filter((v) => killedShardTopics.has(v.topic)).map((v) => v.at);
  const pauseStart = Math.max(...acks.filter((t) => t <= killed.start + 50), 0);
  const pauseEnd = Math.min(...acks.filter((t) => t > killed.start + 50));
  log(`killed shard: no acknowledged publish from ${pauseStart} to ${pauseEnd} ms (${pauseEnd - pauseStart} ms)`);
  report('A (ioredis shardedSubscribers)', aGot);
  const summary = new Map<string, { n: number; first: string; last: string }>();
  for (const e of aEvents) {
    const [t, name] = e.split(':') as [string, string];
    const s = summary.get(name) ?? { n: 0, first: t, last: t };
    s.n++;
    s.last = t;
    summary.set(name, s);
  }
  log(
    `  A events (count, first..last ms): ${[...summary].map(([name, s]) => `${name} x${s.n} ${s.first}..${s.last}`).join(', ')}`,
  );
  report('B (own connection per primary)', bGot);
  log(`  B events: ${bEvents.join(' ')}`);
  a.disconnect();
  pub.disconnect();
  for (const conn of owners.values()) conn.disconnect();
} finally {
  await c.stop();
}
