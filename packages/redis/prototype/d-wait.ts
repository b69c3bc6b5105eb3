// (d) WAIT after the append script: the latency it adds, on the local cluster (each primary one
// replica) and on the Sentinel pair, against one Redis without replicas; and what it buys: how
// many acknowledged appends a SIGKILLed primary takes with it, with and without WAIT.
import { Redis } from 'ioredis';
import type { Cluster } from 'ioredis';
import {
  cluster,
  log,
  percentiles,
  quiet,
  sleep,
  startRedis,
  startRedisCluster,
  startRedisSentinel,
} from './common.js';

const APPEND = `
local last = tonumber(redis.call('HGET', KEYS[1], 'last') or '0')
local t = redis.call('TIME')
local seq = math.max(last + 1, tonumber(t[1]) * 1000000 + tonumber(t[2]))
redis.call('HSET', KEYS[1], 'last', string.format('%d', seq))
redis.call('XADD', KEYS[2], string.format('%d', seq) .. '-0', 'b', ARGV[1])
redis.call('SPUBLISH', ARGV[2], string.format('%d', seq) .. '\\n' .. ARGV[1])
return string.format('%d', seq)`;
const BODY = 'data: ' + 'x'.repeat(200) + '\n\n';
const SAMPLES = Number(process.env.SAMPLES ?? 2000);

type Client = Redis | Cluster;
async function append(client: Client, topic: string, wait: number): Promise<number> {
  const keys = [`{${topic}}:m`, `{${topic}}:s`];
  if (wait === 0) return Number(await client.eval(APPEND, 2, ...keys, BODY, `{${topic}}:c`));
  const [appended, waited] = (await client
    .pipeline()
    .eval(APPEND, 2, ...keys, BODY, `{${topic}}:c`)
    .call('WAIT', wait, 1000)
    .exec())!;
  if (appended![0] ?? waited![0]) throw appended![0] ?? waited![0];
  if (Number(waited![1]) < wait) throw new Error(`only ${String(waited![1])} replicas acknowledged`);
  return Number(appended![1]);
}

async function latency(name: string, client: Client, wait: number): Promise<void> {
  for (let i = 0; i < 200; i++) await append(client, `warm${i % 10}`, wait);
  const single: number[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const t = performance.now();
    await append(client, `t${i % 10}`, wait);
    single.push(performance.now() - t);
  }
  const concurrent: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: 16 }, async (_, k) => {
      for (let i = 0; i < SAMPLES / 8; i++) {
        const t = performance.now();
        await append(client, `t${(k + i) % 10}`, wait);
        concurrent.push(performance.now() - t);
      }
    }),
  );
  const rate = (concurrent.length / (performance.now() - t0)) * 1000;
  log(`${name.padEnd(34)} one at a time: ${percentiles(single)}`);
  log(`${''.padEnd(34)} 16 in flight:  ${percentiles(concurrent)}, ${rate.toFixed(0)}/s`);
}

/** Appends with 32 in flight to topics of one primary, SIGKILLs it, counts acknowledged appends the successor lacks. */
async function lossAtKill(
  name: string,
  client: Client,
  kill: () => Promise<void>,
  topics: string[],
  wait: number,
  read: () => Client,
): Promise<void> {
  const acked: { topic: string; seq: number }[] = [];
  let failed = 0;
  let stop = false;
  const workers = Array.from({ length: 32 }, async (_, k) => {
    for (let i = 0; !stop; i++) {
      const topic = topics[(k + i) % topics.length]!;
      try {
        acked.push({ topic, seq: await append(client, topic, wait) });
      } catch {
        failed++;
        await sleep(20);
      }
    }
  });
  await sleep(400);
  await kill();
  stop = true;
  await Promise.all(workers);
  const reader = read();
  let lost = 0;
  for (const { topic, seq } of acked) {
    const found = await reader.xrange(`{${topic}}:s`, `${seq}-0`, `${seq}-0`);
    if (found.length === 0) lost++;
  }
  log(
    `${name.padEnd(34)} WAIT ${wait}: ${acked.length} acknowledged, ${failed} failed, acknowledged but lost: ${lost}`,
  );
}

const mode = process.argv[2] ?? 'all';
if (mode === 'all' || mode === 'latency') {
  log(
    `latency of one append script (XADD + SPUBLISH, ${BODY.length}-byte body), ${SAMPLES} samples; shared 2-core machine, small runs`,
  );
  const single = await startRedis();
  try {
    const client = quiet(new Redis(single.url));
    await latency('one Redis, no replica', client, 0);
    client.disconnect();
  } finally {
    await single.stop();
  }
  const c = await startRedisCluster();
  try {
    const client = cluster(c.nodes);
    await latency('cluster, no WAIT', client, 0);
    await latency('cluster, WAIT 1', client, 1);
    client.disconnect();
  } finally {
    await c.stop();
  }
  const s = await startRedisSentinel();
  try {
    const client = quiet(new Redis({ sentinels: [...s.sentinels], name: s.masterName }));
    await latency('sentinel pair, no WAIT', client, 0);
    await latency('sentinel pair, WAIT 1', client, 1);
    client.disconnect();
  } finally {
    await s.stop();
  }
}
if (mode === 'all' || mode === 'loss') {
  log('');
  for (const wait of [0, 1]) {
    for (let round = 0; round < 3; round++) {
      const c = await startRedisCluster();
      try {
        const client = cluster(c.nodes, { redisOptions: { maxRetriesPerRequest: 0, enableOfflineQueue: false } });
        const victim = await c.primaryFor('{v0}');
        const topics: string[] = [];
        for (let i = 0; topics.length < 8; i++) if ((await c.primaryFor(`{v${i}}`)) === victim) topics.push(`v${i}`);
        let promoted = 0;
        await lossAtKill(
          `cluster, kill a primary`,
          client,
          async () => {
            promoted = await c.killPrimary(victim);
          },
          topics,
          wait,
          () => cluster(c.nodes),
        );
        void promoted;
        client.disconnect();
      } finally {
        await c.stop();
      }
      const s = await startRedisSentinel();
      try {
        const client = quiet(
          new Redis({
            sentinels: [...s.sentinels],
            name: s.masterName,
            maxRetriesPerRequest: 0,
            enableOfflineQueue: false,
          }),
        );
        await lossAtKill(
          `sentinel, kill the primary`,
          client,
          async () => {
            await s.killPrimary();
          },
          ['a', 'b', 'c', 'd'],
          wait,
          () => quiet(new Redis({ sentinels: [...s.sentinels], name: s.masterName })),
        );
        client.disconnect();
      } finally {
        await s.stop();
      }
    }
  }
}
if (mode === 'all' || mode === 'lag') {
  // A replica that falls behind (here: stopped with SIGSTOP for 0.5 s, as a slow disk or a
  // network hiccup would) while its primary keeps acknowledging, then the primary dies.
  log('');
  for (const wait of [0, 1]) {
    const c = await startRedisCluster();
    try {
      const client = cluster(c.nodes, { redisOptions: { maxRetriesPerRequest: 0, enableOfflineQueue: false } });
      const victim = await c.primaryFor('{v0}');
      const replica = (await c.shards()).find((shard) => shard.primary === victim)!.replicas[0]!;
      const topics: string[] = [];
      for (let i = 0; topics.length < 8; i++) if ((await c.primaryFor(`{v${i}}`)) === victim) topics.push(`v${i}`);
      await lossAtKill(
        'cluster, replica lagging, kill',
        client,
        async () => {
          process.kill(c.pid(replica)!, 'SIGSTOP');
          await sleep(500);
          await c.kill(victim);
          process.kill(c.pid(replica)!, 'SIGCONT');
          await c.healthy(30_000);
        },
        topics,
        wait,
        () => cluster(c.nodes),
      );
      client.disconnect();
    } finally {
      await c.stop();
    }
    const s = await startRedisSentinel();
    try {
      const client = quiet(
        new Redis({
          sentinels: [...s.sentinels],
          name: s.masterName,
          maxRetriesPerRequest: 0,
          enableOfflineQueue: false,
        }),
      );
      const [primary, replica] = s.dataPorts as [number, number];
      await lossAtKill(
        'sentinel, replica lagging, kill',
        client,
        async () => {
          process.kill(s.pid(replica)!, 'SIGSTOP');
          await sleep(500);
          await s.kill(primary);
          process.kill(s.pid(replica)!, 'SIGCONT');
          while ((await s.primary().catch(() => 0)) !== replica) await sleep(100);
        },
        ['a', 'b', 'c', 'd'],
        wait,
        () => quiet(new Redis({ sentinels: [...s.sentinels], name: s.masterName })),
      );
      client.disconnect();
    } finally {
      await s.stop();
    }
  }
}
if (mode === 'all' || mode === 'coalesce') {
  // One WAIT for every append written before it on the connection: appends in flight together
  // share one acknowledgement (a group commit), instead of each blocking the connection.
  log('');
  const batched = (client: Client): ((topic: string) => Promise<number>) => {
    let pending: { topic: string; resolve: (seq: number) => void; reject: (err: Error) => void }[] = [];
    const flush = async (): Promise<void> => {
      const batch = pending;
      pending = [];
      const pipeline = client.pipeline();
      for (const { topic } of batch) pipeline.eval(APPEND, 2, `{${topic}}:m`, `{${topic}}:s`, BODY, `{${topic}}:c`);
      pipeline.call('WAIT', 1, 1000);
      try {
        const results = (await pipeline.exec())!;
        const acks = Number(results.at(-1)![1]);
        batch.forEach(({ resolve, reject }, i) => {
          if (results[i]![0] || acks < 1) reject(results[i]![0] ?? new Error('not acknowledged'));
          else resolve(Number(results[i]![1]));
        });
      } catch (err) {
        for (const { reject } of batch) reject(err as Error);
      }
    };
    return (topic) =>
      new Promise((resolve, reject) => {
        if (pending.length === 0) setImmediate(() => void flush());
        pending.push({ topic, resolve, reject });
      });
  };
  const measure = async (
    name: string,
    append1: (topic: string) => Promise<number>,
    topics: string[],
  ): Promise<void> => {
    const times: number[] = [];
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 16 }, async (_, k) => {
        for (let i = 0; i < SAMPLES / 8; i++) {
          const t = performance.now();
          await append1(topics[(k + i) % topics.length]!);
          times.push(performance.now() - t);
        }
      }),
    );
    log(
      `${name.padEnd(34)} 16 in flight:  ${percentiles(times)}, ${((times.length / (performance.now() - t0)) * 1000).toFixed(0)}/s`,
    );
  };
  const s = await startRedisSentinel();
  try {
    const client = quiet(new Redis({ sentinels: [...s.sentinels], name: s.masterName }));
    await measure('sentinel, WAIT 1 per append', (t) => append(client, t, 1), ['a', 'b', 'c']);
    await measure('sentinel, one WAIT 1 per batch', batched(client), ['a', 'b', 'c']);
    await measure('sentinel, no WAIT', (t) => append(client, t, 0), ['a', 'b', 'c']);
    client.disconnect();
  } finally {
    await s.stop();
  }
  const c = await startRedisCluster();
  try {
    const client = cluster(c.nodes);
    const victim = await c.primaryFor('{v0}');
    const topics: string[] = [];
    for (let i = 0; topics.length < 3; i++) if ((await c.primaryFor(`{v${i}}`)) === victim) topics.push(`v${i}`);
    await measure('cluster shard, WAIT 1 per append', (t) => append(client, t, 1), topics);
    await measure('cluster shard, one WAIT 1 per batch', batched(client), topics);
    await measure('cluster shard, no WAIT', (t) => append(client, t, 0), topics);
    client.disconnect();
  } finally {
    await c.stop();
  }
}
process.exit(0);
