// (c) Why one time-ordered id across shards does not resume exactly: two topics on two shards,
// ids from each shard's clock (max(last + 1, now in µs), a per-topic hybrid clock), one process
// receiving both. For every point k where a client could stop, resuming "after id_k on both
// topics" would re-send events it already had (duplicates) or skip events it had not had yet
// (gaps) whenever the two shards' messages arrive out of id order.
import { Redis } from 'ioredis';
import { cluster, log, sleep, startRedisCluster } from './common.js';

const APPEND = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local last = tonumber(redis.call('GET', KEYS[1]) or '0')
local id = math.max(last + 1, now)
redis.call('SET', KEYS[1], string.format('%d', id))
redis.call('SPUBLISH', KEYS[2], string.format('%d', id))
return string.format('%d', id)`;
const EVENTS = Number(process.env.EVENTS ?? 4000);

const c = await startRedisCluster();
try {
  const pub = cluster(c.nodes);
  // Two topics whose keys live on different shards.
  let a = 'a0';
  let b = 'b0';
  for (let i = 0; (await c.primaryFor(`{${a}}`)) === (await c.primaryFor(`{${b}}`)); i++) b = `b${i}`;
  const received: { topic: string; id: bigint }[] = [];
  const subs: Redis[] = [];
  for (const topic of [a, b]) {
    const port = await c.primaryFor(`{${topic}}`);
    const sub = new Redis(port, '127.0.0.1');
    sub.on('smessage', (_ch: string, id: string) => received.push({ topic, id: BigInt(id) }));
    await sub.ssubscribe(`{${topic}}:c`);
    subs.push(sub);
  }
  // Two publishers, one per topic, each with up to 8 appends in flight.
  const publish = async (topic: string): Promise<void> => {
    for (let i = 0; i < EVENTS / 2; i += 8) {
      await Promise.all(Array.from({ length: 8 }, () => pub.eval(APPEND, 2, `{${topic}}:last`, `{${topic}}:c`)));
    }
  };
  await Promise.all([publish(a), publish(b)]);
  await sleep(300);

  let inversions = 0;
  let maxLagUs = 0n;
  let top = 0n;
  for (const { id } of received) {
    if (id < top) {
      inversions++;
      if (top - id > maxLagUs) maxLagUs = top - id;
    } else top = id;
  }
  // Resume after each prefix: what "every event with id > id_k" gives against what it lacked.
  let duplicates = 0;
  let gaps = 0;
  let inexact = 0;
  for (let k = 0; k < received.length; k++) {
    const cursor = received[k]!.id;
    const had = new Set(received.slice(0, k + 1).map((e) => e.id));
    const wouldGet = received.filter((e) => e.id > cursor);
    const dup = wouldGet.filter((e) => had.has(e.id)).length;
    const gap = received.filter((e) => e.id < cursor && !had.has(e.id)).length;
    duplicates += dup;
    gaps += gap;
    if (dup + gap > 0) inexact++;
  }
  log(`${received.length} events on two topics on two shards, ids from each shard's clock`);
  log(
    `arrived out of id order: ${inversions} (${((100 * inversions) / received.length).toFixed(1)}%), by up to ${maxLagUs} µs`,
  );
  log(
    `stopping after event k and resuming "after id_k": inexact for ${inexact} of ${received.length} k (${((100 * inexact) / received.length).toFixed(1)}%), ` +
      `${duplicates} duplicates and ${gaps} skipped events in all`,
  );
  for (const s of subs) s.disconnect();
  pub.disconnect();
} finally {
  await c.stop();
}
