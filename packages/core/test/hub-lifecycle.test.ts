import { afterEach, describe, expect, it, vi } from 'vitest';
import { MemoryReplayStore, RESET_EVENT, SsekitError, createHub, parseLastEventId } from '../src/index.js';
import type { Hub, HubOptions, PublishResult, SubscribeOptions } from '../src/index.js';
import { block, expectRejectsCode } from './support/helpers.js';
import { RETRY, TestSink, settle } from './support/test-sink.js';

const hubs: Hub[] = [];

function hubFor(options: HubOptions = {}): Hub {
  const hub = createHub({ heartbeatMs: 0, writeTimeoutMs: 0, ...options });
  hubs.push(hub);
  return hub;
}

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(hubs.splice(0).map((hub) => hub.close()));
});

/** A run of `tokens` on `topic`, then its final `done` event; the results in order. */
async function run(hub: Hub, topic: string, tokens: readonly string[]): Promise<PublishResult[]> {
  const results: PublishResult[] = [];
  for (const token of tokens) results.push(await hub.publish(topic, { event: 'token', data: token }));
  results.push(await hub.publish(topic, { event: 'done', data: '', final: true }));
  return results;
}

/** The wire bytes of a run's events (tokens, then `done`). */
function runBlocks(results: readonly PublishResult[], tokens: readonly string[]): string {
  return results
    .map((result, i) =>
      block(result.id, i < tokens.length ? { event: 'token', data: tokens[i]! } : { event: 'done', data: '' }),
    )
    .join('');
}

/** Prepares and subscribes as an adapter does; `undefined` when the answer would be a 204. */
async function request(hub: Hub, sink: TestSink, options: SubscribeOptions): Promise<boolean> {
  const prepared = await hub.prepare(options);
  if (prepared.ended) return false;
  await hub.subscribe(sink, { ...options, prepared }).ready;
  return true;
}

describe('a final event completes its topic', () => {
  it('reaches every stream on the topic, then ends the streams whose every topic completed', async () => {
    const hub = hubFor();
    const single = new TestSink();
    const both = new TestSink();
    hub.subscribe(single, { topics: ['run'] });
    hub.subscribe(both, { topics: ['run', 'other'] });
    const results = await run(hub, 'run', ['Hel', 'lo']);
    await settle();
    expect(single.text).toBe(RETRY + runBlocks(results, ['Hel', 'lo']));
    expect(single.ends).toEqual(['completed']);
    // Its other topic is still open: it stays.
    expect(both.text).toBe(RETRY + runBlocks(results, ['Hel', 'lo']));
    expect(both.ends).toEqual([]);
    const last = await hub.publish('other', { data: 'bye', final: true });
    await settle();
    expect(both.text).toBe(RETRY + runBlocks(results, ['Hel', 'lo']) + block(last.id, { data: 'bye' }));
    expect(both.ends).toEqual(['completed']);
    expect(hub.stats().connections).toBe(0);
  });

  it('refuses a publish to a completed topic with completed (409), storing nothing', async () => {
    const hub = hubFor();
    await run(hub, 'run', ['a']);
    const error = await expectRejectsCode(hub.publish('run', { data: 'late' }), 'completed');
    expect(error.status).toBe(409);
    expect(hub.stats().published).toBe(2);
    await expectRejectsCode(hub.publish('run', { data: 'late', final: true }), 'completed');
  });

  it('refuses a final that is not a boolean, before anything is stored', async () => {
    const hub = hubFor();
    await expect(hub.publish('run', { data: 'x', final: 'yes' as unknown as boolean })).rejects.toThrow(
      'ssekit: `final` must be true or false.',
    );
    expect(hub.stats().published).toBe(0);
  });
});

describe('a request after the end', () => {
  it('with no resume point is ended (a 204): nothing is subscribed', async () => {
    const hub = hubFor();
    await run(hub, 'run', ['a', 'b']);
    expect(await hub.prepare({ topics: ['run'] })).toEqual({ ended: true });
    expect(await request(hub, new TestSink(), { topics: ['run'] })).toBe(false);
    expect(hub.stats().connections).toBe(0);
  });

  it('whose client read the final event is ended; from before it, gets the rest, the final included, then the end', async () => {
    const hub = hubFor();
    const tokens = ['a', 'b', 'c'];
    const results = await run(hub, 'run', tokens);
    const atFinal = parseLastEventId(results[3]!.id);
    expect((await hub.prepare({ topics: ['run'], lastEventId: atFinal })).ended).toBe(true);
    for (const cut of [0, 1, 2]) {
      const sink = new TestSink();
      expect(await request(hub, sink, { topics: ['run'], lastEventId: parseLastEventId(results[cut]!.id) })).toBe(true);
      await settle();
      expect(sink.text).toBe(
        RETRY + runBlocks(results, tokens).slice(runBlocks(results.slice(0, cut + 1), tokens).length),
      );
      expect(sink.ends).toEqual(['completed']);
    }
    expect(hub.stats().connections).toBe(0);
  });

  it('from the start gets the whole retained run, then the end', async () => {
    const hub = hubFor();
    const results = await run(hub, 'run', ['x', 'y']);
    const sink = new TestSink();
    expect(await request(hub, sink, { topics: ['run'], from: 'start' })).toBe(true);
    await settle();
    expect(sink.text).toBe(RETRY + runBlocks(results, ['x', 'y']));
    expect(sink.ends).toEqual(['completed']);
  });

  it('from the start on an open topic gets its history, then live events', async () => {
    const hub = hubFor();
    const first = await hub.publish('feed', { data: 'one' });
    const sink = new TestSink();
    expect(await request(hub, sink, { topics: ['feed'], from: 'start' })).toBe(true);
    const second = await hub.publish('feed', { data: 'two' });
    await settle();
    expect(sink.text).toBe(RETRY + block(first.id, { data: 'one' }) + block(second.id, { data: 'two' }));
    expect(sink.ends).toEqual([]);
  });

  it('with an id the store cannot resume from gets the reset, then the whole run, then the end', async () => {
    const hub = hubFor({ replaySize: 2 });
    const results = await run(hub, 'run', ['a', 'b', 'c']);
    const sink = new TestSink();
    expect(await request(hub, sink, { topics: ['run'], lastEventId: parseLastEventId(results[0]!.id) })).toBe(true);
    await settle();
    const reset = `event: ${RESET_EVENT}\ndata: {"reason":"too_old","lastEventId":"${results[0]!.id}"}\n\n`;
    expect(sink.text).toBe(
      RETRY +
        reset +
        block(results[2]!.id, { event: 'token', data: 'c' }) +
        block(results[3]!.id, { event: 'done', data: '' }),
    );
    expect(sink.ends).toEqual(['completed']);
  });

  it('on a topic that completed between its preparation and its subscription ends at once', async () => {
    const hub = hubFor();
    const sink = new TestSink();
    const prepared = await hub.prepare({ topics: ['run'] });
    expect(prepared.ended).toBe(false);
    await run(hub, 'run', ['a']);
    hub.subscribe(sink, { topics: ['run'], prepared });
    await settle();
    expect(sink.text).toBe(RETRY);
    expect(sink.ends).toEqual(['completed']);
  });

  it('asks the store about topics it does not follow, and knows the ones it follows live', async () => {
    const store = new MemoryReplayStore();
    const asked: (readonly string[])[] = [];
    const completed = store.completed.bind(store);
    store.completed = (topics) => {
      asked.push(topics);
      return completed(topics);
    };
    const hub = hubFor({ store });
    hub.subscribe(new TestSink(), { topics: ['followed'] });
    expect((await hub.prepare({ topics: ['followed', 'cold'] })).ended).toBe(false);
    expect(asked).toEqual([['cold']]);
  });
});

describe('retention of the memory store, under controlled time', () => {
  it('forgets a completed topic an hour after its last publish, and open ones never, by default', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const store = new MemoryReplayStore();
    const hub = hubFor({ store });
    const results = await run(hub, 'run', ['a']);
    const open = await hub.publish('feed', { data: 'kept' });
    vi.setSystemTime(new Date('2030-01-01T00:59:59Z'));
    expect(store.completed(['run'])).toEqual(['run']);
    vi.setSystemTime(new Date('2030-01-01T01:00:01Z'));
    expect(store.completed(['run'])).toEqual([]);
    expect(store.since(['run'], results[0]!.id)).toEqual({ ok: false, reason: 'forgotten' });
    expect(store.since(['feed'], undefined)).toMatchObject({ ok: true, events: [{ id: open.id }] });
    expect(store.size.topics).toBe(1);
  });

  it('keeps topics for topicTtlMs after their last publish, a publish refreshing it, and per-topic ttlMs first', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const store = new MemoryReplayStore({ topicTtlMs: 1000 });
    const a = store.append({ topic: 'a', body: 'data: 1\n\n' });
    store.append({ topic: 'long', body: 'data: 1\n\n', ttlMs: 5000 });
    vi.setSystemTime(new Date('2030-01-01T00:00:00.900Z'));
    store.append({ topic: 'a', body: 'data: 2\n\n' });
    store.append({ topic: 'long', body: 'data: 2\n\n' });
    vi.setSystemTime(new Date('2030-01-01T00:00:01.800Z'));
    expect(store.since(['a'], a.id)).toMatchObject({ ok: true });
    vi.setSystemTime(new Date('2030-01-01T00:00:02.000Z'));
    expect(store.since(['a'], a.id)).toEqual({ ok: false, reason: 'forgotten' });
    // `long` keeps its own five seconds, refreshed by its second publish.
    vi.setSystemTime(new Date('2030-01-01T00:00:05.800Z'));
    expect(store.since(['long'], undefined)).toMatchObject({ ok: true, events: [{}, {}] });
    vi.setSystemTime(new Date('2030-01-01T00:00:06.000Z'));
    expect(store.since(['long'], undefined)).toEqual({ ok: true, events: [] });
  });

  it('keeps at most maxTopics, forgetting the least recently published first', () => {
    const store = new MemoryReplayStore({ maxTopics: 3 });
    const first = store.append({ topic: 't0', body: 'data: 0\n\n' });
    store.append({ topic: 't0', body: 'data: 0 again\n\n' });
    for (let i = 1; i < 4; i++) store.append({ topic: `t${i}`, body: `data: ${i}\n\n` });
    // t0 went first; publishing to t1 again makes t2 the oldest.
    store.append({ topic: 't1', body: 'data: again\n\n' });
    store.append({ topic: 't4', body: 'data: 4\n\n' });
    expect(store.size.topics).toBe(3);
    expect(store.since(['t0'], first.id)).toEqual({ ok: false, reason: 'forgotten' });
    expect(store.since(['t2'], undefined)).toEqual({ ok: true, events: [] });
    expect(store.since(['t1', 't3', 't4'], undefined)).toMatchObject({ ok: true, events: [{}, {}, {}, {}] });
  });

  it('keeps at most maxBytes of event text, forgetting whole topics, the oldest first', () => {
    const store = new MemoryReplayStore({ maxBytes: 1000 });
    store.append({ topic: 'old', body: `data: ${'a'.repeat(500)}\n\n` });
    store.append({ topic: 'new', body: `data: ${'b'.repeat(400)}\n\n` });
    expect(store.size.topics).toBe(2);
    store.append({ topic: 'newer', body: `data: ${'c'.repeat(300)}\n\n` });
    expect(store.size.topics).toBe(2);
    expect(store.size.bytes).toBeLessThanOrEqual(1000);
    expect(store.since(['old'], undefined)).toEqual({ ok: true, events: [] });
  });

  it('refuses retention options out of range', () => {
    for (const options of [{ topicTtlMs: -1 }, { maxTopics: 0 }, { maxBytes: 1.5 }]) {
      expect(() => new MemoryReplayStore(options)).toThrow(SsekitError);
    }
  });
});

describe('bounds on one stream', () => {
  it('refuses more than maxTopicsPerStream topics (64 by default) with invalid_topic, before anything', async () => {
    const hub = hubFor();
    const many = Array.from({ length: 65 }, (_, i) => `t${i}`);
    await expect(hub.prepare({ topics: many })).rejects.toMatchObject({ code: 'invalid_topic', status: 400 });
    expect(() => hub.subscribe(new TestSink(), { topics: many })).toThrow(
      'ssekit: a stream may receive at most 64 topics; this one asks for 65.',
    );
    expect(hub.subscribe(new TestSink(), { topics: many.slice(0, 64) }).topics).toHaveLength(64);
    const small = hubFor({ maxTopicsPerStream: 2 });
    expect(() => small.subscribe(new TestSink(), { topics: ['a', 'b', 'c'] })).toThrow(SsekitError);
  });

  it('answers a resume past maxReplayEvents or maxReplayBytes with ssekit-reset (too_large), then live events', async () => {
    for (const options of [{ maxReplayEvents: 3 }, { maxReplayBytes: 100 }]) {
      const hub = hubFor(options);
      const first = await hub.publish('feed', { data: 'x'.repeat(30) });
      for (let i = 0; i < 4; i++) await hub.publish('feed', { data: 'x'.repeat(30) });
      const sink = new TestSink();
      await hub.subscribe(sink, { topics: ['feed'], lastEventId: parseLastEventId(first.id) }).ready;
      const live = await hub.publish('feed', { data: 'live' });
      await settle();
      const reset = `event: ${RESET_EVENT}\ndata: {"reason":"too_large","lastEventId":"${first.id}"}\n\n`;
      expect(sink.text).toBe(RETRY + reset + block(live.id, { data: 'live' }));
      expect(hub.stats().replayMisses).toBe(1);
    }
  });

  it('refuses unknown hub options and limits out of range, naming them', () => {
    expect(() => createHub({ replaysize: 5 } as HubOptions)).toThrow(
      'ssekit: createHub(): unknown option `replaysize`',
    );
    expect(() => createHub({ maxTopicsPerStream: 0 })).toThrow(
      'ssekit: `maxTopicsPerStream` must be a positive integer.',
    );
    expect(() => createHub({ maxReplayBytes: 1.5 })).toThrow(SsekitError);
    expect(() => createHub({ topicTtlMs: -1 })).toThrow('ssekit: `topicTtlMs` must be a non-negative integer.');
  });
});
