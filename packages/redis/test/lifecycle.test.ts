import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseLastEventId } from '@ssekit/core';
import { startRedis } from '@ssekit/testkit';
import type { RunningRedis } from '@ssekit/testkit';
import { createRedisReplayStore } from '../src/index.js';
import { RETRY, TextSink, startNode, until } from './support/harness.js';
import type { Node } from './support/harness.js';

// Finite topics and retention on a real Redis: completion shared by every process, and the
// topic's keys expiring by Redis's own clock.
let redis: RunningRedis;
let raw: Redis;
let nodes: Node[] = [];
let unique = 0;

beforeAll(async () => {
  redis = await startRedis();
  raw = new Redis(redis.url);
});

afterEach(async () => {
  await Promise.all(nodes.map((node) => node.close()));
  nodes = [];
});

afterAll(async () => {
  raw.disconnect();
  await redis.stop();
});

async function processes(
  count: number,
  options: { topicTtlMs?: number } = {},
): Promise<{ nodes: Node[]; prefix: string }> {
  const prefix = `life${++unique}:`;
  nodes = await Promise.all(Array.from({ length: count }, () => startNode({ url: redis.url, prefix, ...options })));
  return { nodes, prefix };
}

describe('a run on Redis', () => {
  it('completes for every process: the final reaches each, later publishes are refused anywhere, and a late request is ended', async () => {
    const {
      nodes: [a, b],
    } = await processes(2);
    const onA = a!.listen({ topics: ['run'] });
    const onB = b!.listen({ topics: ['run'] });
    await Promise.all([onA.ready, onB.ready]);
    await a!.hub.publish('run', { event: 'token', data: 'hi' });
    const last = await a!.hub.publish('run', { event: 'done', data: '', final: true });
    await until(() => onA.ended !== undefined && onB.ended !== undefined, 'both streams to end');
    expect([onA.ended, onB.ended]).toEqual(['completed', 'completed']);
    expect(onB.text.endsWith(`id: ${last.id}\nevent: done\ndata: \n\n`)).toBe(true);
    await expect(b!.hub.publish('run', { data: 'late' })).rejects.toMatchObject({ code: 'completed', status: 409 });
    expect(await b!.hub.prepare({ topics: ['run'] })).toEqual({ ended: true });
    expect(await b!.hub.prepare({ topics: ['run'], lastEventId: parseLastEventId(last.id) })).toEqual({ ended: true });
  });

  it('resumes on another process from any point, final included, then ends', async () => {
    const {
      nodes: [a, b],
    } = await processes(2);
    const ids: string[] = [];
    for (const token of ['a', 'b', 'c']) ids.push((await a!.hub.publish('run', { event: 'token', data: token })).id);
    ids.push((await a!.hub.publish('run', { event: 'done', data: '', final: true })).id);
    for (const cut of [0, 1, 2]) {
      const lastEventId = parseLastEventId(ids[cut]);
      const prepared = await b!.hub.prepare({ topics: ['run'], lastEventId });
      expect(prepared.ended).toBe(false);
      const sink = new TextSink();
      await b!.hub.subscribe(sink, { topics: ['run'], lastEventId, prepared }).ready;
      await until(() => sink.ended !== undefined, 'the end');
      const expected = ['a', 'b', 'c']
        .map((token, i) => `id: ${ids[i]!}\nevent: token\ndata: ${token}\n\n`)
        .concat(`id: ${ids[3]!}\nevent: done\ndata: \n\n`)
        .slice(cut + 1)
        .join('');
      expect(sink.text).toBe(RETRY + expected);
      expect(sink.ended).toBe('completed');
    }
  });
});

describe('retention on Redis', () => {
  it('expires a topic with its keys topicTtlMs after its last publish, and tells a resume it was forgotten', async () => {
    const {
      nodes: [a],
      prefix,
    } = await processes(1, { topicTtlMs: 400 });
    const first = await a!.hub.publish('brief', { data: 'one' });
    await a!.hub.publish('brief', { data: 'two' });
    const ttl = await raw.pttl(`${prefix}s:brief`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(400);
    // Redis expires the keys by its own clock.
    for (let i = 0; i < 100 && (await raw.exists(`${prefix}s:brief`)) === 1; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(await raw.exists(`${prefix}s:brief`)).toBe(0);
    expect(await raw.exists(`${prefix}x:brief`)).toBe(1);
    const sink = a!.listen({ topics: ['brief'], lastEventId: parseLastEventId(first.id) });
    await until(() => sink.text.includes('ssekit-reset'), 'the reset');
    expect(sink.text).toBe(`${RETRY}event: ssekit-reset\ndata: {"reason":"forgotten","lastEventId":"${first.id}"}\n\n`);
  });

  it('keeps a completed topic an hour by default, an open one for good, and a topic its own ttlMs', async () => {
    const {
      nodes: [a],
      prefix,
    } = await processes(1);
    await a!.hub.publish('open', { data: 'x' });
    await a!.hub.publish('run', { data: 'x', final: true });
    await a!.hub.publish('own', { data: 'x' }, { ttlMs: 60_000 });
    await a!.hub.publish('own', { data: 'y' });
    expect(await raw.pttl(`${prefix}s:open`)).toBe(-1);
    const completed = await raw.pttl(`${prefix}s:run`);
    expect(completed).toBeGreaterThan(3_590_000);
    expect(completed).toBeLessThanOrEqual(3_600_000);
    const own = await raw.pttl(`${prefix}s:own`);
    expect(own).toBeGreaterThan(59_000);
    expect(own).toBeLessThanOrEqual(60_000);
  });

  it('refuses a negative topicTtlMs when the store is made', () => {
    expect(() => createRedisReplayStore({ url: redis.url, topicTtlMs: -1 })).toThrow(
      'ssekit: the replay store `topicTtlMs` must be a non-negative integer of ms.',
    );
  });
});
