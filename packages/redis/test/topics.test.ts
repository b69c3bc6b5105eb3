import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseLastEventId } from '@ssekit/core';
import type { Subscription } from '@ssekit/core';
import { startRedis } from '@ssekit/testkit';
import type { RunningRedis } from '@ssekit/testkit';
import { RETRY, TextSink, frame, startNode, until } from './support/harness.js';
import type { Node } from './support/harness.js';
import type { RedisBackendOptions } from '../src/index.js';

// A channel per topic: each process listens to the topics its streams are on, and nothing is
// lost or doubled when its first stream on a topic arrives.
let redis: RunningRedis;
let admin: Redis;
let nodes: Node[] = [];
let unique = 0;

beforeAll(async () => {
  redis = await startRedis();
  admin = new Redis(redis.url);
  admin.on('error', () => undefined);
});

afterEach(async () => {
  await Promise.all(nodes.map((node) => node.close()));
  nodes = [];
});

afterAll(async () => {
  admin.disconnect();
  await redis.stop();
});

async function cluster(count: number, options: Partial<RedisBackendOptions> = {}): Promise<Node[]> {
  const prefix = `topics${++unique}:`;
  const started = await Promise.all(
    Array.from({ length: count }, () => startNode({ url: redis.url, prefix, ...options })),
  );
  nodes.push(...started);
  return started;
}

/** Subscribers per topic channel of `node`'s prefix, as Redis counts them. */
async function subscribers(node: Node, topics: readonly string[]): Promise<number[]> {
  const reply = await admin.pubsub('NUMSUB', ...topics.map((t) => node.backend.bus.channelOf(t)));
  return topics.map((_, i) => Number(reply[2 * i + 1]));
}

/** A stream on `node`, with the sink it writes to. */
function open(node: Node, topics: string[], lastEventId?: string): { sink: TextSink; stream: Subscription } {
  const sink = new TextSink();
  const cursor = lastEventId === undefined ? {} : { lastEventId: parseLastEventId(lastEventId) };
  const stream = node.hub.subscribe(sink, { topics, ...cursor });
  sink.ready = stream.ready;
  return { sink, stream };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('a channel per topic', () => {
  it('brings a process no message of a topic it has no stream on', async () => {
    const [a, b] = (await cluster(2)) as [Node, Node];
    const onA = open(a, ['x']).sink;
    const onB = open(b, ['y']).sink;
    await Promise.all([onA.ready, onB.ready]);
    // Redis itself says who listens: only a to x, only b to y, and no channel for z.
    expect(await subscribers(a, ['x', 'y', 'z'])).toEqual([1, 1, 0]);
    const channels = (await admin.pubsub('CHANNELS', `${a.backend.bus.prefix}*`)) as string[];
    expect(channels.sort()).toEqual([a.backend.bus.channelOf('x'), a.backend.bus.channelOf('y')]);
    expect(b.backend.bus.watched).toEqual(['y']);
    // b publishes on x (which it does not hear): it reached no stream of b, and a got it.
    const onX = await b.hub.publish('x', { data: 'for a' });
    const onY = await b.hub.publish('y', { data: 'for b' });
    expect([onX.delivered, onY.delivered]).toEqual([0, 1]);
    await until(() => onA.text === RETRY + frame(onX.id, 'for a'), 'the event on x');
    await until(() => onB.text === RETRY + frame(onY.id, 'for b'), 'the event on y');
    expect(b.hub.stats().delivered).toBe(1);
  });

  it('unsubscribes once the last stream of a process on a topic left, and only then', async () => {
    const [a] = (await cluster(1, { lingerMs: 0 })) as [Node];
    const [lingering] = (await cluster(1, { lingerMs: 60_000 })) as [Node];
    const first = open(a, ['t']);
    const second = open(a, ['t', 'u']);
    await Promise.all([first.sink.ready, second.sink.ready]);
    expect(await subscribers(a, ['t', 'u'])).toEqual([1, 1]);
    void first.stream.close('client');
    // Still one stream on t: both channels stay.
    await until(() => a.hub.stats().connections === 1, 'the first stream to end');
    expect(await subscribers(a, ['t', 'u'])).toEqual([1, 1]);
    void second.stream.close('client');
    await until(() => a.hub.stats().connections === 0, 'the second stream to end');
    expect(a.backend.bus.watched).toEqual([]);
    let counts: number[] = [];
    await until(
      () => counts.every((n) => n === 0),
      'Redis to drop both subscriptions',
      10_000,
      async () => {
        counts = await subscribers(a, ['t', 'u']);
      },
    );
    // A process with a linger keeps the channel a while, for a stream that comes straight back.
    const brief = open(lingering, ['v']);
    await brief.sink.ready;
    void brief.stream.close('client');
    await until(() => lingering.hub.stats().connections === 0, 'the stream to end');
    expect(lingering.backend.bus.watched).toEqual(['v']);
    expect(await subscribers(lingering, ['v'])).toEqual([1]);
    const back = open(lingering, ['v']).sink;
    const event = await lingering.hub.publish('v', { data: 'again' });
    await until(() => back.text === RETRY + frame(event.id, 'again'), 'the event on the lingering channel');
  });

  it('misses nothing and doubles nothing for first subscribers arriving while events are published', async () => {
    const [publisher, ...servers] = await cluster(4, { lingerMs: 0 });
    const topics = ['t0', 't1', 't2', 't3', 't4'];
    const published = new Map<string, { id: string; data: string }[]>(topics.map((t) => [t, []]));
    const TOTAL = 500;
    const progress = { done: false };
    const publishing = (async () => {
      for (let i = 0; i < TOTAL; i++) {
        const topic = topics[i % topics.length]!;
        const result = await publisher!.hub.publish(topic, { data: `e${i}` });
        published.get(topic)!.push({ id: result.id, data: `e${i}` });
        if (i % 10 === 0) await sleep(1);
      }
      progress.done = true;
    })();
    // Streams attach at random moments on random processes, each resuming from the newest event
    // its topic had then (or from a random older one); some leave early, so that later arrivals
    // on that process are first subscribers again.
    const streams: { topic: string; after: number; sink: TextSink; stream: Subscription; early: boolean }[] = [];
    for (let k = 0; k < 60 && !progress.done; k++) {
      await sleep(Math.random() * 15);
      const topic = topics[Math.floor(Math.random() * topics.length)]!;
      const seen = published.get(topic)!;
      if (seen.length === 0) continue;
      const after = Math.random() < 0.7 ? seen.length - 1 : Math.floor(Math.random() * seen.length);
      const node = servers[Math.floor(Math.random() * servers.length)]!;
      const { sink, stream } = open(node, [topic], seen[after]!.id);
      streams.push({ topic, after, sink, stream, early: false });
      const leaving = streams[Math.floor(Math.random() * streams.length)]!;
      if (Math.random() < 0.3 && !leaving.early) {
        leaving.early = true;
        void leaving.stream.close('client');
      }
    }
    await publishing;
    expect(streams.length).toBeGreaterThan(10);
    for (const { topic, after, sink, early } of streams) {
      const expected =
        RETRY +
        published
          .get(topic)!
          .slice(after + 1)
          .map((event) => frame(event.id, event.data))
          .join('');
      if (early) {
        // It left at some point: what it got is where the whole sequence begins.
        await sink.ready;
        expect(expected.startsWith(sink.text)).toBe(true);
      } else {
        await until(() => sink.text.length >= expected.length, `every event after the resume point on ${topic}`);
        expect(sink.text).toBe(expected);
      }
    }
    expect(servers.map((node) => node.hub.stats().replayMisses)).toEqual([0, 0, 0]);
  });

  it('subscribes again to every watched topic after Redis restarts, and ends streams so they resume', async () => {
    const [a, b] = (await cluster(2, { lingerMs: 60_000 })) as [Node, Node];
    const onX = open(a, ['x']);
    const onY = open(a, ['y']);
    await Promise.all([onX.sink.ready, onY.sink.ready]);
    const first = await b.hub.publish('x', { data: 'first' });
    await until(() => onX.sink.text === RETRY + frame(first.id, 'first'), 'the first event');
    expect(await subscribers(a, ['x', 'y'])).toEqual([1, 1]);

    await redis.stop({ keepData: true });
    await until(() => !a.backend.bus.active && !b.backend.bus.active, 'both buses to notice');
    await redis.start();
    await until(() => a.backend.available && b.backend.available, 'both backends to reconnect');
    await until(() => onX.sink.ended === 'server' && onY.sink.ended === 'server', 'the gap to end the streams');
    // The streams ended, but the topics linger: Redis lists the new connection on both channels,
    // which only a subscription made again after the restart can do.
    expect(a.backend.bus.watched).toEqual(['x', 'y']);
    expect(await subscribers(a, ['x', 'y'])).toEqual([1, 1]);

    const missed = await b.hub.publish('x', { data: 'missed' });
    const resumed = open(a, ['x'], first.id).sink;
    await resumed.ready;
    const live = await b.hub.publish('x', { data: 'live' });
    const expected = RETRY + frame(missed.id, 'missed') + frame(live.id, 'live');
    await until(() => resumed.text.length >= expected.length, 'the replay and the live event');
    expect(resumed.text).toBe(expected);
  });
});
