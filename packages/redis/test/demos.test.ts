import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SseClient, eventually, publish, repoRoot, request, startDemo, startRedis, stats } from '@ssekit/testkit';
import type { RunningDemo, RunningRedis } from '@ssekit/testkit';

// Three real demo processes, mixed adapters where they exist, sharing one private Redis.
const ADAPTERS = ['node-http', 'express', 'fastify', 'koa'].filter((name) =>
  existsSync(path.join(repoRoot, 'examples', name, 'src', 'server.ts')),
);
const NAMES = [0, 1, 2].map((i) => ADAPTERS[i] ?? 'node-http');
const RETRY = 'retry: 3000\n';

let redis: RunningRedis;
let demos: RunningDemo[] = [];
let clients: SseClient[] = [];
let unique = 0;

beforeAll(async () => {
  redis = await startRedis();
  demos = await Promise.all(NAMES.map((name) => startDemo(name, { REDIS_URL: redis.url, HEARTBEAT_MS: '0' })));
}, 60_000);

afterEach(() => {
  for (const client of clients) client.close();
  clients = [];
});

afterAll(async () => {
  const codes = await Promise.all(demos.map((demo) => demo.stop()));
  await redis.stop();
  expect(codes).toEqual([0, 0, 0]);
});

function topic(): string {
  return `multi-${++unique}`;
}

async function open(demo: RunningDemo, name: string, lastEventId?: string): Promise<SseClient> {
  const client = await SseClient.connect(`${demo.url}/events?topic=${name}`, { lastEventId });
  clients.push(client);
  await client.waitFor((c) => c.raw.startsWith(RETRY), 5000, 'the retry line');
  return client;
}

async function publishOk(demo: RunningDemo, body: Record<string, unknown>): Promise<{ id: string; delivered: number }> {
  const answer = await publish(demo.url, body);
  expect(answer.status, answer.text).toBe(202);
  return answer.json as { id: string; delivered: number };
}

function frame(id: string, data: string): string {
  return `id: ${id}\ndata: ${data}\n\n`;
}

describe(`demo processes on one Redis: ${NAMES.join(', ')}`, () => {
  it('deliver a publish on any of them to clients on all three, exactly once each, in order, same ids', async () => {
    const name = topic();
    const watchers = await Promise.all([...demos, demos[0]!].map((demo) => open(demo, name)));
    const sent = [];
    for (let i = 0; i < 9; i++) {
      const from = demos[i % 3]!;
      const result = await publishOk(from, { topic: name, data: `event ${i}` });
      // Two clients on the first demo, one on each other.
      expect(result.delivered).toBe(i % 3 === 0 ? 2 : 1);
      sent.push(frame(result.id, `event ${i}`));
    }
    const expected = RETRY + sent.join('');
    for (const client of watchers) await client.waitFor((c) => c.raw.length >= expected.length, 5000, 'nine events');
    for (const client of watchers) expect(client.raw).toBe(expected);
  });

  it('resume a client that moves to another process with exactly the events it missed', async () => {
    const name = topic();
    const first = await open(demos[0]!, name);
    const seen = [
      await publishOk(demos[1]!, { topic: name, data: 'one' }),
      await publishOk(demos[2]!, { topic: name, data: 'two' }),
    ];
    await first.waitForEvents(2);
    first.close();
    await eventually(async () => (await stats(demos[0]!.url)).connections === 0, 'the first stream to go');
    const missed = [];
    for (let i = 0; i < 3; i++) missed.push(await publishOk(demos[i]!, { topic: name, data: `missed ${i}` }));
    const moved = await open(demos[2]!, name, seen[1]!.id);
    const replay = missed.map((result, i) => frame(result.id, `missed ${i}`)).join('');
    await moved.waitFor((c) => c.raw.length >= RETRY.length + replay.length, 5000, 'the replay');
    const live = await publishOk(demos[1]!, { topic: name, data: 'live' });
    const expected = RETRY + replay + frame(live.id, 'live');
    await moved.waitFor((c) => c.raw.length >= expected.length, 5000, 'the live event');
    expect(moved.raw).toBe(expected);
    expect(first.raw).toBe(RETRY + frame(seen[0]!.id, 'one') + frame(seen[1]!.id, 'two'));
  });

  it('stay up while Redis restarts: publishes answer 503, streams end to resume, then all flows again', async () => {
    const name = topic();
    const watchers = await Promise.all(demos.map((demo) => open(demo, name)));
    const before = await publishOk(demos[0]!, { topic: name, data: 'before' });
    for (const client of watchers) await client.waitForEvents(1);

    await redis.stop({ keepData: true });
    for (const demo of demos) {
      // A 503 publishes nothing, so asking again until the demo noticed the outage is safe.
      await eventually(async () => (await publish(demo.url, { topic: name, data: 'lost' })).status === 503, 'a 503');
      const answer = await publish(demo.url, { topic: name, data: 'lost' });
      expect(answer.status).toBe(503);
      expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
      expect(Object.keys(answer.json as object)).toEqual(['error']);
      expect((await stats(demo.url)).connections).toBe(1);
      // A stream on a topic this process does not watch yet needs Redis: refused with a 503 that
      // names it, each time.
      for (let i = 0; i < 3; i++) {
        const refused = await request(`${demo.url}/events?topic=${name}-new`, {
          headers: { accept: 'text/event-stream', 'last-event-id': before.id },
        });
        expect([refused.status, (refused.json as { error: string }).error]).toEqual([
          503,
          expect.stringMatching(/^ssekit: Redis is unreachable \(.+\); retry later\.$/) as unknown,
        ]);
      }
      // Publishes and stream requests alike: the outage is logged once, not per request.
      expect(demo.output().split('request failed').length - 1, demo.output()).toBe(1);
    }

    await redis.start();
    // Each bus listens again and reports the gap: the demos end their streams so clients resume.
    for (const client of watchers) await client.waitFor((c) => c.isEnded, 10_000, 'the stream to end');
    for (const client of watchers) expect(client.raw).toBe(RETRY + frame(before.id, 'before'));
    const resumed = await Promise.all(demos.map((demo) => open(demo, name, before.id)));
    const after = [];
    for (let i = 0; i < 3; i++) {
      let answer = await publish(demos[i]!.url, { topic: name, data: `after ${i}` });
      // The command connection may still be between two reconnection attempts.
      const deadline = Date.now() + 5000;
      while (answer.status === 503 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        answer = await publish(demos[i]!.url, { topic: name, data: `after ${i}` });
      }
      expect(answer.status, answer.text).toBe(202);
      after.push(frame((answer.json as { id: string }).id, `after ${i}`));
    }
    const expected = RETRY + after.join('');
    for (const client of resumed) await client.waitFor((c) => c.raw.length >= expected.length, 5000, 'live events');
    for (const client of resumed) expect(client.raw).toBe(expected);
    for (const demo of demos) expect(demo.child.exitCode).toBe(null);
  });
});
