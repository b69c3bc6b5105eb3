// (e) A Redis that comes back without its data, as the store sees it: today's store on one
// Redis, and the prototype's per-group store on a cluster whose primary restarts empty before
// its replica could take over (the replica then resyncs from the empty primary: both lose it).
import { Redis } from 'ioredis';
import { createRedisReplayStore } from '../src/index.js';
import { cluster, log, quiet, sleep, startRedis, startRedisCluster } from './common.js';
import { ProtoStore } from './proto.js';

const runId = async (client: Redis): Promise<string> =>
  /run_id:(\w+)/.exec(String(await client.info('server')))?.[1] ?? '';

const single = await startRedis();
try {
  const client = quiet(new Redis(single.url, { maxRetriesPerRequest: 0 }));
  const store = createRedisReplayStore({ client, prefix: 'e:' });
  const first = (await store.append('t', 'data: 1\n\n')).stored;
  await store.append('t', 'data: 2\n\n');
  const before = await runId(client);
  await single.restart({ keepData: true });
  await sleep(300);
  log(
    `one Redis restarted WITH its data: run_id changed ${String(before !== (await runId(client)))}; since(first) -> ${JSON.stringify(await store.since(['t'], first.id)).slice(0, 60)}...`,
  );
  await single.restart({ keepData: false });
  await sleep(300);
  log(
    `one Redis restarted WITHOUT its data: since(first) -> ${JSON.stringify(await store.since(['t'], first.id))}; keys: ${JSON.stringify(await client.keys('e:*'))}`,
  );
  const next = (await store.append('t', 'data: 3\n\n')).stored;
  log(
    `  after one more publish: new id ${next.id} > old id ${first.id}: ${String(BigInt(next.id) > BigInt(first.id))}; since(old) -> ${JSON.stringify(await store.since(['t'], first.id))}`,
  );
  client.disconnect();
} finally {
  await single.stop();
}

const c = await startRedisCluster();
try {
  const client = cluster(c.nodes, { redisOptions: { maxRetriesPerRequest: 0 } });
  const store = new ProtoStore(client);
  const victim = await c.primaryFor('{a}');
  let other = 'b';
  for (let i = 0; (await c.primaryFor(`{${other}}`)) === victim; i++) other = `b${i}`;
  const a1 = await store.append('a', 'data: a1');
  await store.append('a', 'data: a2');
  const b1 = await store.append(other, 'data: b1');
  await store.append(other, 'data: b2');
  // Kill and restart at once: back within the node timeout, so nobody fails it over.
  const pid = c.pid(victim);
  await c.kill(victim);
  await c.start(victim);
  const after = await c.shards();
  log(
    `cluster: primary ${victim} (pid ${pid}) killed and restarted empty in place; still the primary: ${String(after.some((s) => s.primary === victim))}`,
  );
  await sleep(1500);
  const replica = after.find((s) => s.primary === victim)!.replicas[0]!;
  const onReplica = quiet(new Redis(replica, '127.0.0.1'));
  await onReplica.call('READONLY');
  log(
    `  its replica ${replica} after resync holds {a}: ${String(await onReplica.exists('ss:{a}:s'))} (0 = lost there too)`,
  );
  await client.refreshSlotsCache();
  log(`  since(a, a1) on the emptied shard: ${JSON.stringify(await store.since('a', a1))}`);
  log(
    `  since(${other}, b1) on another shard:  ok=${String((await store.since(other, b1)).ok)}, events ${JSON.stringify(((await store.since(other, b1)) as { events: unknown[] }).events.length)}`,
  );
  const a3 = await store.append('a', 'data: a3');
  log(
    `  after a new publish on a: its seq ${a3} > a1 ${a1}; since(a, a1) -> ${JSON.stringify(await store.since('a', a1))} (base moved past the old cursor)`,
  );
  onReplica.disconnect();
  client.disconnect();
} finally {
  await c.stop();
}
