import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHub, parseLastEventId } from '@ssekit/core';
import { startRedis } from '@ssekit/testkit';
import type { RunningRedis } from '@ssekit/testkit';
import { createRedisBus, createRedisReplayStore } from '../src/index.js';
import { RETRY, TextSink, frame, startNode, until } from './support/harness.js';
import type { Node } from './support/harness.js';

// Several hubs in one test process, each with its own Redis connections, act as one.
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

async function cluster(count: number): Promise<Node[]> {
  const prefix = `hubs${++unique}:`;
  nodes = await Promise.all(Array.from({ length: count }, () => startNode({ url: redis.url, prefix })));
  return nodes;
}

describe('hubs sharing one Redis', () => {
  it('deliver a publish on one hub to subscribers on every hub exactly once, in order, with the same ids', async () => {
    const [a, b, c] = await cluster(3);
    const sinks = [a!, a!, b!, c!].map((node) => node.listen({ topics: ['news'] }));
    const other = c!.listen({ topics: ['other'] });
    // Live once each process's subscription to the topic is confirmed.
    await Promise.all([...sinks, other].map((sink) => sink.ready));
    const results = [];
    for (let i = 0; i < 20; i++) {
      const from = [a!, b!, c!][i % 3]!;
      results.push(await from.hub.publish('news', { data: `n${i}` }));
    }
    const expected = RETRY + results.map((result, i) => frame(result.id, `n${i}`)).join('');
    for (const sink of sinks) await until(() => sink.text.length >= expected.length, 'every event');
    for (const sink of sinks) expect(sink.text).toBe(expected);
    expect(other.text).toBe(RETRY);
    // Each publish resolves with the deliveries on its own hub.
    expect(results.map((result) => result.delivered)).toEqual(results.map((_, i) => (i % 3 === 0 ? 2 : 1)));
    // Ids come from the store's one clock: a single increasing sequence for all hubs.
    for (let i = 1; i < results.length; i++) expect(BigInt(results[i]!.id) > BigInt(results[i - 1]!.id)).toBe(true);
  });

  it('keep one order for concurrent publishes from every hub', async () => {
    const [a, b, c] = await cluster(3);
    const sinks = [a!, b!, c!].map((node) => node.listen({ topics: ['x', 'y'] }));
    await Promise.all(sinks.map((sink) => sink.ready));
    await Promise.all(
      [a!, b!, c!].flatMap((node, n) =>
        Array.from({ length: 30 }, (_, i) => node.hub.publish(i % 2 === 0 ? 'x' : 'y', { data: `${n}-${i}` })),
      ),
    );
    for (const sink of sinks) await until(() => sink.text.split('id: ').length - 1 === 90, '90 events');
    expect(sinks[1]!.text).toBe(sinks[0]!.text);
    expect(sinks[2]!.text).toBe(sinks[0]!.text);
    const ids = [...sinks[0]!.text.matchAll(/^id: (\d+)$/gm)].map((match) => Number(match[1]));
    expect(ids).toEqual([...ids].sort((p, q) => p - q));
  });

  it('resume a client on another hub with exactly the events it missed, then live ones', async () => {
    const [a, b, c] = await cluster(3);
    const first = a!.listen({ topics: ['feed', 'side'] });
    await first.ready;
    const seen = [];
    for (let i = 0; i < 3; i++) seen.push(await b!.hub.publish(i === 1 ? 'side' : 'feed', { data: `s${i}` }));
    await until(() => first.text.split('id: ').length - 1 === 3, 'three events');
    // The client goes away after the last event it saw ...
    const lastSeen = seen[2]!.id;
    const missed = [];
    for (let i = 0; i < 4; i++) missed.push(await c!.hub.publish(i === 2 ? 'side' : 'feed', { data: `m${i}` }));
    await c!.hub.publish('elsewhere', { data: 'not for it' });
    // ... and comes back to another hub.
    const resumed = b!.listen({ topics: ['feed', 'side'], lastEventId: parseLastEventId(lastSeen) });
    const replay = missed.map((result, i) => frame(result.id, `m${i}`)).join('');
    await until(() => resumed.text.length >= RETRY.length + replay.length, 'the replay');
    const live = await a!.hub.publish('feed', { data: 'live' });
    const expected = RETRY + replay + frame(live.id, 'live');
    await until(() => resumed.text.length >= expected.length, 'the live event');
    expect(resumed.text).toBe(expected);
  });

  it('work with a store and a bus made apart, the hub publishing through the bus itself', async () => {
    const prefix = `apart${++unique}:`;
    const parts = [0, 1].map(() => ({
      store: createRedisReplayStore({ url: redis.url, prefix }),
      bus: createRedisBus({ url: redis.url, prefix }),
    }));
    const hubs = parts.map(({ store, bus }) => createHub({ store, bus, heartbeatMs: 0 }));
    try {
      await Promise.all(parts.map(({ bus }) => bus.ready));
      const sinks = hubs.map((hub) => {
        const sink = new TextSink();
        hub.subscribe(sink, { topics: ['t'] });
        return sink;
      });
      const one = await hubs[0]!.publish('t', { data: 'one' });
      const two = await hubs[1]!.publish('t', { data: 'two' });
      expect([one.delivered, two.delivered]).toEqual([1, 1]);
      const expected = RETRY + frame(one.id, 'one') + frame(two.id, 'two');
      for (const sink of sinks) await until(() => sink.text.length >= expected.length, 'both events');
      for (const sink of sinks) expect(sink.text).toBe(expected);
    } finally {
      await Promise.all(hubs.map((hub) => hub.close()));
      await Promise.all(parts.flatMap(({ store, bus }) => [store.close(), bus.close()]));
    }
  });

  it('tell a client resuming from an id they never issued that it cannot resume, then send what they hold', async () => {
    const [a] = await cluster(1);
    const x = await a!.hub.publish('t', { data: 'x' });
    // Older than all the store holds: everything it holds follows the reset.
    const sink = a!.listen({ topics: ['t'], lastEventId: parseLastEventId('1000000000000000') });
    const expected =
      `${RETRY}event: ssekit-reset\ndata: {"reason":"unknown","lastEventId":"1000000000000000"}\n\n` + frame(x.id, 'x');
    await until(() => sink.text.length >= expected.length, 'the reset event');
    expect(sink.text).toBe(expected);
  });
});
