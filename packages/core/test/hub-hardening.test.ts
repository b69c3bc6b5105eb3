import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHub, parseLastEventId } from '../src/index.js';
import type { CloseReason, Hub, HubHooks, Subscription } from '../src/index.js';
import { expectThrowsCode } from './support/helpers.js';
import { RETRY, TestSink, settle } from './support/test-sink.js';

const hubs: Hub[] = [];
function hubFor(options: Parameters<typeof createHub>[0] = {}): Hub {
  const hub = createHub({ heartbeatMs: 0, ...options });
  hubs.push(hub);
  return hub;
}

afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(hubs.splice(0).map((hub) => hub.close()));
});

describe('lifecycle hooks', () => {
  it('reports connect, disconnect with its reason, drop, replay miss and publish latency', async () => {
    const seen: string[] = [];
    const hooks: HubHooks = {
      connect: (stream) => seen.push(`connect ${stream.topics.join(',')}`),
      disconnect: (_stream, reason: CloseReason) => seen.push(`disconnect ${reason}`),
      drop: (_stream, count) => seen.push(`drop ${count}`),
      replayMiss: (_stream, reason, id) => seen.push(`miss ${reason} ${id}`),
      published: (info) => seen.push(`published ${info.topic} ${info.delivered} ${typeof info.latencyMs}`),
    };
    const hub = hubFor({ hooks, slowClientPolicy: 'drop-oldest', maxBufferedBytes: 100 });
    const slow = new TestSink();
    const stream = hub.subscribe(slow, { topics: ['a'] });
    slow.block();
    await hub.publish('a', { data: 'x'.repeat(40) }); // fills the transport
    await hub.publish('a', { data: 'y'.repeat(40) }); // queued
    await hub.publish('a', { data: 'z'.repeat(40) }); // drops the queued one
    await hub.subscribe(new TestSink(), { topics: ['b'], lastEventId: parseLastEventId('1') }).ready;
    await stream.close('client');
    expect(seen).toEqual([
      'connect a',
      'published a 1 number',
      'published a 1 number',
      'drop 1',
      'published a 1 number',
      'connect b',
      'miss unknown 1',
      'disconnect client',
    ]);
  });

  it('keeps a throwing hook from reaching streams or other hooks, and reports it to `error`', async () => {
    const errors: unknown[] = [];
    const hub = hubFor({
      hooks: {
        connect: () => {
          throw new Error('hook broke');
        },
        error: (error, context) => errors.push([(error as Error).message, context.where]),
      },
    });
    const sink = new TestSink();
    hub.subscribe(sink, { topics: ['t'] });
    const result = await hub.publish('t', { data: 'still delivered' });
    expect(result.delivered).toBe(1);
    expect(errors).toEqual([['hook broke', 'hook']]);
    expect(hub.stats().errors).toBe(1);
  });

  it('reports a sink whose write throws through `error`, and ends only that stream', async () => {
    const errors: string[] = [];
    const hub = hubFor({
      hooks: { error: (error, context) => errors.push(`${context.where}: ${(error as Error).message}`) },
    });
    const broken = new TestSink();
    const fine = new TestSink();
    hub.subscribe(broken, { topics: ['t'] });
    hub.subscribe(fine, { topics: ['t'] });
    await settle();
    broken.failNextWrite = new Error('socket gone');
    await hub.publish('t', { data: 'one' });
    await settle();
    expect(errors).toEqual(['write: socket gone']);
    expect(broken.ends).toEqual(['error']);
    expect(fine.ends).toEqual([]);
    expect(hub.stats().connections).toBe(1);
  });
});

describe('connection limits', () => {
  it('refuses streams past maxConnections with too_many_connections, and counts them', async () => {
    const hub = hubFor({ maxConnections: 2 });
    const first = hub.subscribe(new TestSink());
    hub.subscribe(new TestSink());
    const refused = new TestSink();
    const error = expectThrowsCode(() => hub.subscribe(refused), 'too_many_connections');
    expect(error.status).toBe(429);
    expect(refused.chunks).toEqual([]);
    expect(hub.stats()).toMatchObject({ connections: 2, rejected: 1 });
    await first.close('client');
    hub.subscribe(new TestSink());
    expect(hub.stats().connections).toBe(2);
  });

  it('limits streams per client key and gives the slot back when one ends', async () => {
    const hub = hubFor({ maxConnectionsPerClient: 1 });
    const mine = hub.subscribe(new TestSink(), { clientKey: '10.0.0.1' });
    hub.subscribe(new TestSink(), { clientKey: '10.0.0.2' });
    expectThrowsCode(() => hub.subscribe(new TestSink(), { clientKey: '10.0.0.1' }), 'too_many_connections');
    await mine.close('client');
    hub.subscribe(new TestSink(), { clientKey: '10.0.0.1' });
    expect(hub.stats()).toMatchObject({ connections: 2, rejected: 1 });
  });

  it('rejects out-of-range options when the hub is created', () => {
    expectThrowsCode(() => createHub({ maxConnections: 0 }), 'invalid_option');
    expectThrowsCode(() => createHub({ lifetimeJitter: 1 }), 'invalid_option');
    expectThrowsCode(() => createHub({ maxLifetimeMs: -1 }), 'invalid_option');
    expectThrowsCode(() => createHub({ heartbeatMs: Number.NaN }), 'invalid_option');
  });
});

describe('maximum lifetime', () => {
  it('ends each stream with reason lifetime after maxLifetimeMs less its jitter', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'Date'] });
    const hub = hubFor({ maxLifetimeMs: 1000, lifetimeJitter: 0.5, writeTimeoutMs: 0 });
    const sinks = Array.from({ length: 20 }, () => new TestSink());
    const streams: Subscription[] = sinks.map((sink) => hub.subscribe(sink));
    await vi.advanceTimersByTimeAsync(490);
    expect(streams.filter((stream) => stream.closed)).toEqual([]);
    await vi.advanceTimersByTimeAsync(640);
    expect(sinks.map((sink) => sink.ends)).toEqual(sinks.map(() => ['lifetime']));
    expect(streams.map((stream) => stream.signal.reason as string)).toEqual(streams.map(() => 'lifetime'));
  });
});

describe('shutdown', () => {
  it('spreads the retry hint by up to retryJitterMs per stream', async () => {
    const hub = hubFor();
    const sinks = Array.from({ length: 30 }, () => new TestSink());
    for (const sink of sinks) hub.subscribe(sink);
    await settle();
    await hub.close({ retry: 5000, retryJitterMs: 1000 });
    const hints = sinks.map((sink) => Number(/retry: (\d+)\n$/.exec(sink.text)?.[1]));
    for (const hint of hints) {
      expect(hint).toBeGreaterThanOrEqual(5000);
      expect(hint).toBeLessThanOrEqual(6000);
    }
    expect(new Set(hints).size).toBeGreaterThan(1);
    expect(sinks[0]?.text.startsWith(RETRY)).toBe(true);
  });
});

describe('fan-out scheduling', () => {
  it('flushes every subscriber of a turn with one microtask, each in one write', async () => {
    const hub = hubFor();
    const sinks = Array.from({ length: 50 }, () => new TestSink());
    for (const sink of sinks) hub.subscribe(sink, { topics: ['t'] });
    await settle();
    for (const sink of sinks) sink.clear();
    const spy = vi.spyOn(globalThis, 'queueMicrotask');
    const first = hub.publish('t', { data: 'a' });
    const second = hub.publish('t', { data: 'b' });
    await Promise.all([first, second]);
    const scheduled = spy.mock.calls.length;
    spy.mockRestore();
    expect(scheduled).toBeLessThanOrEqual(2);
    for (const sink of sinks) expect(sink.chunks.length).toBe(1);
  });
});

describe('option checks before registration', () => {
  it('refuses a bad retry before the stream is registered', () => {
    const hub = hubFor();
    expectThrowsCode(() => hub.subscribe(new TestSink(), { retry: -1 }), 'invalid_field');
    expect(hub.stats().connections).toBe(0);
  });
});
