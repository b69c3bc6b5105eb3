// (b) Per-topic subscription on one Redis: 8 "processes" (subscriber connections), 1,000 topics,
// each process serving 1/8 of them. Compares one shared channel (today), one channel per topic
// (SUBSCRIBE), and one pattern per topic (PSUBSCRIBE): Redis CPU, publish time, what each
// process receives, subscribe time and memory, subscribe churn.
import { Redis } from 'ioredis';
import { log, quiet, sleep, startRedis } from './common.js';

const PROCESSES = 8;
const TOPICS = 1000;
const EVENTS = Number(process.env.EVENTS ?? 40_000);
const BODY = 'data: ' + 'x'.repeat(150) + '\n\n';
const topic = (i: number): string => `room-${i}`;

const redis = await startRedis();
const info = async (client: Redis, section: string, field: string): Promise<number> => {
  const text = (await client.info(section)) as string;
  return Number(new RegExp(`${field}:([0-9.]+)`).exec(text)?.[1]);
};
try {
  const admin = quiet(new Redis(redis.url));
  const publisher = quiet(new Redis(redis.url));

  type Mode = 'one channel' | 'channel per topic' | 'pattern per topic';
  const run = async (mode: Mode): Promise<void> => {
    const subs = Array.from({ length: PROCESSES }, () => quiet(new Redis(redis.url)));
    await Promise.all(subs.map((s) => s.ping()));
    const counts = subs.map(() => 0);
    subs.forEach((s, k) => {
      s.on('messageBuffer', () => counts[k]!++);
      s.on('pmessageBuffer', () => counts[k]!++);
    });
    const memBefore = await info(admin, 'memory', 'used_memory');
    let t = performance.now();
    await Promise.all(
      subs.map(async (s, k) => {
        const mine = Array.from({ length: TOPICS }, (_, i) => i).filter((i) => i % PROCESSES === k);
        if (mode === 'one channel') await s.subscribe('ssekit:bus');
        else if (mode === 'channel per topic') await s.subscribe(...mine.map((i) => `ssekit:c:${topic(i)}`));
        else await s.psubscribe(...mine.map((i) => `ssekit:c:${topic(i)}`));
      }),
    );
    const subscribeMs = performance.now() - t;
    const memAfter = await info(admin, 'memory', 'used_memory');
    const bytesBefore = subs.map((s) => (s as unknown as { stream: { bytesRead: number } }).stream.bytesRead);
    const cpuBefore = (await info(admin, 'cpu', 'used_cpu_user')) + (await info(admin, 'cpu', 'used_cpu_sys'));
    t = performance.now();
    for (let sent = 0; sent < EVENTS;) {
      const pipeline = publisher.pipeline();
      for (let j = 0; j < 500 && sent < EVENTS; j++, sent++) {
        const i = (sent * 7919) % TOPICS;
        const envelope = `1\norigin\n${topic(i)}\n${1700000000000000 + sent}\nid: ${sent}\n${BODY}`;
        pipeline.publish(mode === 'one channel' ? 'ssekit:bus' : `ssekit:c:${topic(i)}`, envelope);
      }
      await pipeline.exec();
    }
    const publishMs = performance.now() - t;
    const deadline = Date.now() + 20_000;
    const expected = mode === 'one channel' ? EVENTS * PROCESSES : EVENTS;
    while (counts.reduce((a, b) => a + b, 0) < expected && Date.now() < deadline) await sleep(20);
    const cpu = (await info(admin, 'cpu', 'used_cpu_user')) + (await info(admin, 'cpu', 'used_cpu_sys')) - cpuBefore;
    const bytes = subs.map(
      (s, k) => (s as unknown as { stream: { bytesRead: number } }).stream.bytesRead - bytesBefore[k]!,
    );
    const avg = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    log(
      `${mode.padEnd(18)} subscribe ${subscribeMs.toFixed(1).padStart(6)} ms, +${((memAfter - memBefore) / 1024).toFixed(0).padStart(4)} KiB; ` +
        `${EVENTS} publishes in ${publishMs.toFixed(0)} ms (${((EVENTS / publishMs) * 1000).toFixed(0)}/s), Redis CPU ${(cpu * 1000).toFixed(0)} ms ` +
        `(${((cpu * 1e6) / EVENTS).toFixed(1)} µs/publish); per process: ${avg(counts).toFixed(0)} messages, ${(avg(bytes) / 1024 / 1024).toFixed(2)} MiB`,
    );
    await Promise.all(subs.map((s) => s.quit()));
  };

  log(
    `one Redis, ${PROCESSES} subscriber connections, ${TOPICS} topics, ${EVENTS} events of ~${BODY.length + 40} bytes spread over all topics`,
  );
  for (const mode of ['one channel', 'channel per topic', 'pattern per topic'] as const) await run(mode);
  await run('one channel');
  await run('channel per topic');

  // Churn: a process subscribing and unsubscribing topics as streams come and go.
  const churner = quiet(new Redis(redis.url));
  await churner.subscribe('warm');
  const N = 5000;
  let t = performance.now();
  for (let i = 0; i < N; i += 100) {
    await Promise.all(Array.from({ length: 100 }, (_, j) => churner.subscribe(`ssekit:c:churn-${i + j}`)));
    await Promise.all(Array.from({ length: 100 }, (_, j) => churner.unsubscribe(`ssekit:c:churn-${i + j}`)));
  }
  log(`churn: ${N} SUBSCRIBE + ${N} UNSUBSCRIBE (100 in flight) in ${(performance.now() - t).toFixed(0)} ms`);
  t = performance.now();
  for (let i = 0; i < 500; i++) {
    await churner.subscribe(`ssekit:c:one-${i}`);
  }
  log(
    `churn: SUBSCRIBE one at a time, waiting for each confirmation: ${((performance.now() - t) / 500).toFixed(3)} ms each`,
  );
  churner.disconnect();
  admin.disconnect();
  publisher.disconnect();
} finally {
  await redis.stop();
}
