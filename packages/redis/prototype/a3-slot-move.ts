// (a) What a sharded subscriber sees when the slot of its channel moves to another primary
// (resharding): the server tells it with an unsolicited SUNSUBSCRIBE.
import net from 'node:net';
import { Redis } from 'ioredis';
import { redisCall } from '../../testkit/src/resp.js';
import { cluster, log, sleep, startRedisCluster } from './common.js';

const c = await startRedisCluster();
try {
  const pub = cluster(c.nodes);
  const ch = 'ssekit:{t1}:c';
  const key = 'ssekit:{t1}:s';
  await pub.xadd(key, '*', 'b', 'before');
  const slot = Number(await redisCall(c.nodes[0]!.port, ['CLUSTER', 'KEYSLOT', ch]));
  const source = await c.primaryFor(ch);
  const target = (await c.shards()).find((s) => s.primary !== source)!.primary;
  const idOf = async (port: number): Promise<string> => String(await redisCall(port, ['CLUSTER', 'MYID']));
  const [sourceId, targetId] = [await idOf(source), await idOf(target)];

  // A raw RESP subscriber, to see exactly what the server sends.
  const raw = net.connect(source, '127.0.0.1');
  let rawText = '';
  raw.on('data', (d: Buffer) => (rawText += d.toString()));
  raw.write(`SSUBSCRIBE ${ch}\r\n`);
  // An ioredis subscriber on the same node.
  const io = new Redis(source, '127.0.0.1');
  io.on('error', () => undefined);
  const ioEvents: string[] = [];
  for (const e of ['smessage', 'sunsubscribe', 'close', 'end', 'error'])
    io.on(e, (...args: unknown[]) =>
      ioEvents.push(
        `${e} ${args
          .map((a) => (a instanceof Error ? a.message : JSON.stringify(a)))
          .join(' ')
          .slice(0, 120)}`,
      ),
    );
  await io.ssubscribe(ch);
  // ioredis's sharded subscriber group, for comparison.
  const group = cluster(c.nodes, { shardedSubscribers: true });
  const groupGot: string[] = [];
  const start = performance.now();
  group.on('smessage', (_c: string, m: string) => groupGot.push(`${m}@${Math.round(performance.now() - start)}`));
  await group.ssubscribe(ch);
  await pub.spublish(ch, 'm1');
  await sleep(100);

  // Move the slot by hand: importing/migrating, MIGRATE its keys, then assign it.
  const t = performance.now();
  await redisCall(target, ['CLUSTER', 'SETSLOT', slot, 'IMPORTING', sourceId]);
  await redisCall(source, ['CLUSTER', 'SETSLOT', slot, 'MIGRATING', targetId]);
  const keys = (await redisCall(source, ['CLUSTER', 'GETKEYSINSLOT', slot, 100])) as string[];
  await redisCall(source, ['MIGRATE', '127.0.0.1', target, '', 0, 5000, 'KEYS', ...keys]);
  for (const port of [target, source]) await redisCall(port, ['CLUSTER', 'SETSLOT', slot, 'NODE', targetId]);
  log(
    `moved slot ${slot} (${keys.length} key) from ${source} to ${target} in ${(performance.now() - t).toFixed(1)} ms`,
  );
  await sleep(300);
  // Published after the move: reaches the new owner only.
  await c.healthy();
  // One message every 100 ms for 7 s after the move.
  let moved = 0;
  for (let i = 0; i < 70; i++) {
    await pub.spublish(ch, `after${i}`).catch((err: unknown) => log(`spublish after move: ${(err as Error).message}`));
    moved++;
    await sleep(100);
  }
  await sleep(300);
  const afterMove = groupGot.filter((m) => m.startsWith('after'));
  log(
    `ioredis shardedSubscribers group: received m1, then ${afterMove.length}/${moved} of the messages published after the move; first: ${afterMove[0] ?? 'none'}`,
  );
  group.disconnect();
  log(`raw subscriber on the old owner received:\n${rawText.replace(/\r\n/g, ' | ')}`);
  log(`ioredis subscriber on the old owner: ${ioEvents.join(' ; ')}`);
  log(`PUBSUB SHARDNUMSUB on the new owner: ${JSON.stringify(await redisCall(target, ['PUBSUB', 'SHARDNUMSUB', ch]))}`);
  raw.destroy();
  io.disconnect();
  pub.disconnect();
} finally {
  await c.stop();
}
