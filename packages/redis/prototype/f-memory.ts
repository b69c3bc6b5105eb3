// For the capacity model: Redis memory per retained event and per topic, with the prototype's
// keys (a meta hash and a stream per topic), 200-byte bodies; and per Pub/Sub subscription.
import { Redis } from 'ioredis';
import { log, quiet, startRedis } from './common.js';

const BODY = 'data: ' + 'x'.repeat(194) + '\n\n';
const redis = await startRedis();
try {
  const client = quiet(new Redis(redis.url));
  const used = async (): Promise<number> => Number(/used_memory:(\d+)/.exec(String(await client.info('memory')))?.[1]);
  const seq0 = Date.now() * 1000;
  let before = await used();
  for (let i = 0; i < 20_000; i += 500) {
    const p = client.pipeline();
    for (let j = 0; j < 500; j++) p.xadd('m:{one}:s', `${seq0 + i + j}-0`, 'p', String(seq0 + i + j - 1), 'b', BODY);
    await p.exec();
  }
  log(
    `one topic, 20,000 events of ${BODY.length} bytes: ${((await used()) - before) / 20_000} bytes per retained event`,
  );
  before = await used();
  for (let i = 0; i < 10_000; i += 500) {
    const p = client.pipeline();
    for (let j = 0; j < 500; j++) {
      p.hset(`m:{t${i + j}}:m`, 'base', String(seq0), 'last', String(seq0));
      p.xadd(`m:{t${i + j}}:s`, `${seq0}-0`, 'p', '0', 'b', BODY);
    }
    await p.exec();
  }
  log(
    `10,000 topics with one event each: ${(((await used()) - before) / 10_000).toFixed(0)} bytes per topic (meta hash + stream + that event)`,
  );
  client.disconnect();
} finally {
  await redis.stop();
}
