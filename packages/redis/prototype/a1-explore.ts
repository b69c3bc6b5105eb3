// (a) first look: SPUBLISH inside a script, ioredis Cluster with shardedSubscribers, SSUBSCRIBE on a replica.
import { Redis } from 'ioredis';
import { redisCall } from '../../testkit/src/resp.js';
import { cluster, log, sleep, startRedisCluster } from './common.js';

const c = await startRedisCluster();
try {
  const pub = cluster(c.nodes);
  // 1. SPUBLISH from a script, channel in the same slot as the key, then in another slot.
  const script = "redis.call('XADD', KEYS[1], '*', 'b', ARGV[1]); return redis.call('SPUBLISH', ARGV[2], ARGV[1])";
  log(`script, same slot: ${String(await pub.eval(script, 1, 'ssekit:{t1}:s', 'hello', 'ssekit:{t1}:c'))}`);
  try {
    log(`script, other slot: ${String(await pub.eval(script, 1, 'ssekit:{t1}:s', 'hello', 'ssekit:{t2}:c'))}`);
  } catch (err) {
    log(`script, other slot: error ${(err as Error).message}`);
  }
  // Undeclared channel in a script on a node that does not own its slot.
  // 2. ioredis Cluster with shardedSubscribers.
  const sub = cluster(c.nodes, { shardedSubscribers: true });
  const got: string[] = [];
  sub.on('smessage', (channel: string, message: string) => got.push(`${channel}=${message}`));
  const events: string[] = [];
  for (const event of ['+subscriber', '-subscriber', 'subscribersReady', '-node', '+node', 'refresh']) {
    sub.on(event, () => events.push(event));
  }
  let t = performance.now();
  const answer = await sub.ssubscribe('ssekit:{t1}:c');
  log(`ssubscribe one channel -> ${JSON.stringify(answer)} in ${(performance.now() - t).toFixed(1)} ms`);
  t = performance.now();
  try {
    await sub.ssubscribe('ssekit:{t2}:c', 'ssekit:{t3}:c');
  } catch (err) {
    log(`ssubscribe two slots in one call: ${(err as Error).message}`);
  }
  await Promise.all(Array.from({ length: 30 }, (_, i) => sub.ssubscribe(`ssekit:{t${i}}:c`)));
  log(`ssubscribe 30 channels (one call each) in ${(performance.now() - t).toFixed(1)} ms`);
  for (let i = 0; i < 30; i++) await pub.spublish(`ssekit:{t${i}}:c`, `m${i}`);
  await sleep(200);
  log(`received ${got.length}/30: ${got.slice(0, 3).join(' ')} ...`);
  log(`cluster client events so far: ${events.join(' ')}`);
  // 3. SSUBSCRIBE on a replica: does it receive what the primary publishes?
  const shards = await c.shards();
  const primary = await c.primaryFor('ssekit:{t1}:c');
  const replica = shards.find((s) => s.primary === primary)!.replicas[0]!;
  const onReplica = new Redis(replica, '127.0.0.1');
  const replicaGot: string[] = [];
  onReplica.on('smessage', (_ch: string, m: string) => replicaGot.push(m));
  try {
    log(`ssubscribe on replica -> ${JSON.stringify(await onReplica.ssubscribe('ssekit:{t1}:c'))}`);
    await pub.spublish('ssekit:{t1}:c', 'via-primary');
    await sleep(200);
    log(`replica subscriber got: ${JSON.stringify(replicaGot)}`);
  } catch (err) {
    log(`ssubscribe on replica: ${(err as Error).message}`);
  }
  // 4. SSUBSCRIBE on a node that does not serve the slot.
  const other = shards.find((s) => s.primary !== primary)!.primary;
  const wrong = new Redis(other, '127.0.0.1');
  wrong.on('error', () => undefined);
  const outcome = await Promise.race([
    wrong.ssubscribe('ssekit:{t1}:c').then(
      () => 'accepted',
      (err: unknown) => `error ${(err as Error).message}`,
    ),
    sleep(1000).then(
      () => 'no answer within 1 s (ioredis: the MOVED error in subscriber mode is not matched to the command)',
    ),
  ]);
  log(`ssubscribe on a non-owner: ${outcome}`);
  const raw = await redisCall(other, ['SSUBSCRIBE', 'ssekit:{t1}:c']).catch((err: unknown) => String(err));
  log(`  raw RESP reply: ${String(raw)}`);
  // 5. PUBSUB SHARDNUMSUB / SHARDCHANNELS from the owner.
  const owner = new Redis(primary, '127.0.0.1');
  log(`PUBSUB SHARDNUMSUB on owner: ${JSON.stringify(await owner.call('PUBSUB', 'SHARDNUMSUB', 'ssekit:{t1}:c'))}`);
  for (const client of [onReplica, wrong, owner]) client.disconnect();
  sub.disconnect();
  pub.disconnect();
} finally {
  await c.stop();
}
