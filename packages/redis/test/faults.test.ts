import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SsekitError, parseLastEventId } from '@ssekit/core';
import { startRedis } from '@ssekit/testkit';
import type { RunningRedis } from '@ssekit/testkit';
import { createRedisReplayStore } from '../src/index.js';
import { RETRY, frame, startNode, until } from './support/harness.js';
import type { Node } from './support/harness.js';

// Redis goes away and comes back: processes stay up, publishes fail loudly meanwhile, the bus
// recovers by itself, and clients resume from the store.
let redis: RunningRedis;
let nodes: Node[] = [];
let unique = 0;

beforeAll(async () => {
  redis = await startRedis();
});

afterEach(async () => {
  await Promise.all(nodes.map((node) => node.close()));
  nodes = [];
});

afterAll(async () => {
  await redis.stop();
});

async function cluster(count: number, options: { client?: Redis } = {}): Promise<Node[]> {
  const prefix = `faults${++unique}:`;
  const source = options.client === undefined ? { url: redis.url } : { client: options.client };
  nodes = await Promise.all(Array.from({ length: count }, () => startNode({ ...source, prefix })));
  return nodes;
}

async function expectUnavailable(promise: Promise<unknown>): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(SsekitError);
  expect((error as SsekitError).code).toBe('unavailable');
  expect((error as SsekitError).status).toBe(503);
  expect((error as SsekitError).message.startsWith('ssekit: ')).toBe(true);
}

describe('Redis restarts mid-stream', () => {
  it('fails publishes during the outage, recovers the bus, loses nothing stored, delivers what follows', async () => {
    const all = await cluster(3);
    const [a, b, c] = all as [Node, Node, Node];
    const sinks = all.map((node) => node.listen({ topics: ['live'] }));
    await Promise.all(sinks.map((sink) => sink.ready));
    const before = [];
    for (let i = 0; i < 3; i++) before.push(await all[i]!.hub.publish('live', { data: `before ${i}` }));
    const beforeText = RETRY + before.map((result, i) => frame(result.id, `before ${i}`)).join('');
    for (const sink of sinks) await until(() => sink.text === beforeText, 'the events before the outage');

    await redis.stop({ keepData: true });
    await until(() => all.every((node) => !node.backend.bus.active), 'every bus to notice');
    for (const node of all) await expectUnavailable(node.hub.publish('live', { data: 'lost?' }));
    expect(all.map((node) => node.hub.closed)).toEqual([false, false, false]);

    await redis.start();
    // Each bus listens again and reports the gap: its hub ends the streams so clients resume.
    await until(() => all.every((node) => node.backend.available), 'every backend to reconnect');
    for (const sink of sinks) await until(() => sink.ended === 'server', 'the stream to end for resumption');
    for (const sink of sinks) expect(sink.text).toBe(beforeText);

    const lastSeen = before[2]!.id;
    const resumed = [
      c.listen({ topics: ['live'], lastEventId: parseLastEventId(lastSeen) }),
      a.listen({ topics: ['live'], lastEventId: parseLastEventId(lastSeen) }),
    ];
    const fromStart = b.listen({ topics: ['live'], lastEventId: parseLastEventId(before[0]!.id) });
    const after = [];
    for (let i = 0; i < 3; i++) after.push(await all[i]!.hub.publish('live', { data: `after ${i}` }));
    expect(after.map((result) => result.delivered)).toEqual([1, 1, 1]);
    const afterFrames = after.map((result, i) => frame(result.id, `after ${i}`)).join('');
    const expectedFromStart = RETRY + frame(before[1]!.id, 'before 1') + frame(before[2]!.id, 'before 2') + afterFrames;
    await until(() => resumed.every((sink) => sink.text.length >= RETRY.length + afterFrames.length), 'live events');
    await until(() => fromStart.text.length >= expectedFromStart.length, 'replay and live events');
    for (const sink of resumed) expect(sink.text).toBe(RETRY + afterFrames);
    expect(fromStart.text).toBe(expectedFromStart);
    // Ids went on after the last one stored: none was issued twice.
    expect(BigInt(after[0]!.id) > BigInt(before[2]!.id)).toBe(true);
  });

  it('fails fast with a client the application brought, and recovers', async () => {
    const client = new Redis(redis.url);
    client.on('error', () => undefined);
    try {
      const [a] = (await cluster(1, { client })) as [Node];
      const sink = a.listen({ topics: ['t'] });
      await sink.ready;
      const first = await a.hub.publish('t', { data: 'one' });
      await redis.stop({ keepData: true });
      await until(() => !a.backend.bus.active && client.status !== 'ready', 'the outage to be noticed');
      await expectUnavailable(a.hub.publish('t', { data: 'two' }));
      await redis.start();
      await until(() => sink.ended === 'server' && a.backend.available, 'the gap');
      const resumed = a.listen({ topics: ['t'], lastEventId: parseLastEventId(first.id) });
      const third = await a.hub.publish('t', { data: 'three' });
      const expected = RETRY + frame(third.id, 'three');
      await until(() => resumed.text.length >= expected.length, 'the live event');
      expect(resumed.text).toBe(expected);
    } finally {
      await Promise.all(nodes.map((node) => node.close()));
      nodes = [];
      client.disconnect();
    }
  });

  it('sends ssekit-reset, then everything the emptied store holds, then live events, when Redis lost its data', async () => {
    const [a] = (await cluster(1)) as [Node];
    const old = await a.hub.publish('t', { data: 'old' });
    const open = a.listen({ topics: ['t'], lastEventId: parseLastEventId(old.id) });
    // Live before the outage: a resume still reading the store when Redis stops ends with 'error'.
    await open.ready;
    await redis.stop();
    await until(() => !a.backend.available, 'the outage to be noticed');
    await redis.start();
    await until(() => a.backend.available, 'the backend to reconnect');
    // The stream open during the outage ends, so its client resumes (below, with its id).
    await until(() => open.ended === 'server', 'the gap');
    const fresh = await a.hub.publish('t', { data: 'fresh' });
    const other = await a.hub.publish('u', { data: 'other topic' });
    // A new clock, started later in time: every new id is above every old one.
    expect(Number(fresh.id)).toBeGreaterThan(Number(old.id));
    expect(Number(other.id)).toBeGreaterThan(Number(fresh.id));
    const sink = a.listen({ topics: ['t'], lastEventId: parseLastEventId(old.id) });
    const reset = `${RETRY}event: ssekit-reset\ndata: {"reason":"unknown","lastEventId":"${old.id}"}\n\n`;
    // Not only live events: what the new store holds on the topic, after the reset.
    const held = reset + frame(fresh.id, 'fresh');
    await until(() => sink.text.length >= held.length, 'the reset and the history');
    const live = await a.hub.publish('t', { data: 'live' });
    const expected = held + frame(live.id, 'live');
    await until(() => sink.text.length >= expected.length, 'the live event');
    expect(sink.text).toBe(expected);
    expect(a.hub.stats().replayMisses).toBe(1);
  });

  it('rejects store calls at once while its connection is down, and serves them again after', async () => {
    const store = createRedisReplayStore({ url: redis.url, prefix: `store${++unique}:` });
    try {
      const first = await store.append({ topic: 't', body: 'data: 1\n\n' });
      await redis.stop({ keepData: true });
      await until(() => !store.connected, 'the outage to be noticed');
      await expectUnavailable(store.append({ topic: 't', body: 'data: 2\n\n' }));
      await expectUnavailable(store.since(['t'], first.id));
      await redis.start();
      await until(() => store.connected, 'the reconnection');
      const third = await store.append({ topic: 't', body: 'data: 3\n\n' });
      expect(await store.since(['t'], first.id)).toEqual({ ok: true, events: [third] });
    } finally {
      await store.close();
    }
  });

  it('recovers when only the subscriber connection drops', async () => {
    const [a, b] = (await cluster(2)) as [Node, Node];
    const sink = b.listen({ topics: ['t'] });
    await sink.ready;
    const first = await a.hub.publish('t', { data: 'one' });
    await until(() => sink.text === RETRY + frame(first.id, 'one'), 'the first event');
    const admin = new Redis(redis.url);
    try {
      await admin.client('KILL', 'TYPE', 'pubsub');
    } finally {
      admin.disconnect();
    }
    await until(() => sink.ended === 'server', 'the gap');
    await until(() => a.backend.available && b.backend.available, 'both buses to listen again');
    const resumed = b.listen({ topics: ['t'], lastEventId: parseLastEventId(first.id) });
    const second = await a.hub.publish('t', { data: 'two' });
    const expected = RETRY + frame(second.id, 'two');
    await until(() => resumed.text.length >= expected.length, 'the live event');
    expect(resumed.text).toBe(expected);
  });
});
