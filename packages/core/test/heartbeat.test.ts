import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createHub } from '../src/index.js';
import type { Hub, HubOptions, PublishResult } from '../src/index.js';
import { block } from './support/helpers.js';
import { RETRY, TestSink } from './support/test-sink.js';

const hubs: { close(): Promise<void> }[] = [];

function hubFor(options: HubOptions): Hub {
  const hub = createHub(options);
  hubs.push(hub);
  return hub;
}

/** Heartbeat comments in what a sink received after the retry hint. */
function comments(sink: TestSink, comment = ':\n'): number {
  return sink.writes.filter((w) => w === comment).length;
}

describe('with fake timers', () => {
  // Timers and Date only: the hub's per-turn flush (queueMicrotask) and the test's own
  // setImmediate keep running for real.
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  });

  afterEach(async () => {
    await Promise.all(hubs.splice(0).map((hub) => hub.close()));
    expect(vi.getTimerCount()).toBe(0);
    vi.useRealTimers();
  });

  describe('heartbeats', () => {
    it('sends a bare comment to an idle stream about once per interval', async () => {
      const hub = hubFor({ heartbeatMs: 40 });
      const sink = new TestSink();
      hub.subscribe(sink);

      await vi.advanceTimersByTimeAsync(30);
      expect(sink.writes).toEqual([RETRY]);
      await vi.advanceTimersByTimeAsync(15);
      expect(sink.writes).toEqual([RETRY, ':\n']);

      await vi.advanceTimersByTimeAsync(400 - 45);
      const n = comments(sink);
      expect(n).toBeGreaterThanOrEqual(9);
      expect(n).toBeLessThanOrEqual(10);
      expect(sink.writes).toEqual([RETRY, ...Array<string>(n).fill(':\n')]);
    });

    it('sends none to a stream that receives events more often than the interval', async () => {
      const hub = hubFor({ heartbeatMs: 40 });
      const busy = new TestSink();
      const idle = new TestSink();
      hub.subscribe(busy, { topics: ['busy'] });
      hub.subscribe(idle, { topics: ['idle'] });

      const results: PublishResult[] = [];
      for (let i = 0; i < 40; i++) {
        results.push(await hub.publish('busy', { data: i }));
        await vi.advanceTimersByTimeAsync(10);
      }

      expect(busy.text).toBe(RETRY + results.map((r, i) => block(r.id, { data: String(i) })).join(''));
      expect(comments(idle)).toBeGreaterThanOrEqual(9);
      expect(idle.writes).toEqual([RETRY, ...Array<string>(comments(idle)).fill(':\n')]);
    });

    it('resumes on a stream once its events stop', async () => {
      const hub = hubFor({ heartbeatMs: 40 });
      const sink = new TestSink();
      hub.subscribe(sink, { topics: ['t'] });
      const r = await hub.publish('t', { data: 'last' });
      await vi.advanceTimersByTimeAsync(30);
      expect(sink.writes).toEqual([RETRY, block(r.id, { data: 'last' })]);
      await vi.advanceTimersByTimeAsync(20);
      expect(sink.writes).toEqual([RETRY, block(r.id, { data: 'last' }), ':\n']);
    });

    it('uses the heartbeatComment option, one comment line per line', async () => {
      const hub = hubFor({ heartbeatMs: 40, heartbeatComment: 'keep-alive\nstill here' });
      const sink = new TestSink();
      hub.subscribe(sink);
      await vi.advanceTimersByTimeAsync(45);
      expect(sink.writes).toEqual([RETRY, ': keep-alive\n: still here\n']);
    });

    it('runs one shared timer for every stream, only while streams are open', async () => {
      const hub = hubFor({ heartbeatMs: 40 });
      expect(vi.getTimerCount()).toBe(0);
      const sinks = Array.from({ length: 100 }, () => new TestSink());
      const streams = sinks.map((sink, i) => hub.subscribe(sink, { topics: [`t${i % 7}`] }));
      expect(vi.getTimerCount()).toBe(1);

      await vi.advanceTimersByTimeAsync(45);
      for (const sink of sinks) expect(sink.writes).toEqual([RETRY, ':\n']);

      await Promise.all(streams.map((s) => s.close('client')));
      expect(vi.getTimerCount()).toBe(0);
      hub.subscribe(new TestSink());
      expect(vi.getTimerCount()).toBe(1);
    });

    it('is off with heartbeatMs 0', async () => {
      const hub = hubFor({ heartbeatMs: 0, writeTimeoutMs: 0 });
      const sink = new TestSink();
      hub.subscribe(sink);
      expect(vi.getTimerCount()).toBe(0);
      await vi.advanceTimersByTimeAsync(60_000);
      expect(sink.writes).toEqual([RETRY]);
    });

    it('sends none to a stream whose transport is full', async () => {
      const hub = hubFor({ heartbeatMs: 40, writeTimeoutMs: 0 });
      const sink = new TestSink();
      const stream = hub.subscribe(sink, { topics: ['t'] });
      sink.control = stream;
      sink.block();
      const r = await hub.publish('t', { data: 'x' });
      await vi.advanceTimersByTimeAsync(1000);
      expect(sink.writes).toEqual([RETRY, block(r.id, { data: 'x' })]);
      expect(stream.closed).toBe(false);
      // Drained, it has been silent for far longer than the interval: a comment at the next tick.
      sink.drain();
      await vi.advanceTimersByTimeAsync(6);
      expect(sink.writes).toEqual([RETRY, block(r.id, { data: 'x' }), ':\n']);
    });
  });

  describe('write deadline', () => {
    it('evicts a stream whose sink never drains within writeTimeoutMs', async () => {
      const hub = hubFor({ heartbeatMs: 40, writeTimeoutMs: 100 });
      const slow = new TestSink();
      const fast = new TestSink();
      const stream = hub.subscribe(slow, { topics: ['t'] });
      hub.subscribe(fast, { topics: ['t'] });
      slow.block();
      const r = await hub.publish('t', { data: 'x' }); // the transport is full from now on

      await vi.advanceTimersByTimeAsync(85);
      expect(stream.closed).toBe(false);
      await vi.advanceTimersByTimeAsync(30);

      expect(stream.closed).toBe(true);
      expect(stream.signal.reason).toBe('evicted');
      expect(slow.ends).toEqual(['evicted']);
      expect(slow.writes).toEqual([RETRY, block(r.id, { data: 'x' })]);
      expect(fast.ends).toEqual([]);
      expect(hub.stats()).toMatchObject({ evicted: 1, connections: 1, queuedBytes: 0 });
    });

    it('measures from when the transport filled up, and forgets it after a drain', async () => {
      const hub = hubFor({ heartbeatMs: 40, writeTimeoutMs: 100 });
      const sink = new TestSink();
      const stream = hub.subscribe(sink, { topics: ['t'] });
      sink.control = stream;
      await vi.advanceTimersByTimeAsync(500); // idle, writable: no deadline
      sink.block();
      await hub.publish('t', { data: 'x' });
      await vi.advanceTimersByTimeAsync(80);
      sink.drain();
      sink.block();
      await hub.publish('t', { data: 'y' });
      await vi.advanceTimersByTimeAsync(80);
      expect(stream.closed).toBe(false);
      await vi.advanceTimersByTimeAsync(40);
      expect(stream.signal.reason).toBe('evicted');
    });

    it('holds to a deadline shorter than the heartbeat interval', async () => {
      const hub = hubFor({ heartbeatMs: 1000, writeTimeoutMs: 50 });
      const sink = new TestSink();
      const stream = hub.subscribe(sink, { topics: ['t'] });
      sink.block();
      await hub.publish('t', { data: 'x' });
      await vi.advanceTimersByTimeAsync(40);
      expect(stream.closed).toBe(false);
      await vi.advanceTimersByTimeAsync(25);
      expect(stream.signal.reason).toBe('evicted');
    });

    it('applies with heartbeats off', async () => {
      const hub = hubFor({ heartbeatMs: 0, writeTimeoutMs: 80 });
      const idle = new TestSink();
      const slow = new TestSink();
      hub.subscribe(idle, { topics: ['idle'] });
      const stream = hub.subscribe(slow, { topics: ['t'] });
      slow.block();
      await hub.publish('t', { data: 'x' });
      await vi.advanceTimersByTimeAsync(100);
      expect(stream.signal.reason).toBe('evicted');
      expect(idle.writes).toEqual([RETRY]);
    });

    it('is off with writeTimeoutMs 0', async () => {
      const hub = hubFor({ heartbeatMs: 40, writeTimeoutMs: 0 });
      const sink = new TestSink();
      const stream = hub.subscribe(sink, { topics: ['t'] });
      sink.block();
      await hub.publish('t', { data: 'x' });
      await vi.advanceTimersByTimeAsync(60_000);
      expect(stream.closed).toBe(false);
    });

    it("evicts under 'drop-oldest' too", async () => {
      const hub = hubFor({ heartbeatMs: 40, writeTimeoutMs: 100, slowClientPolicy: 'drop-oldest' });
      const sink = new TestSink();
      const stream = hub.subscribe(sink, { topics: ['t'] });
      sink.block();
      await hub.publish('t', { data: 'x' });
      await vi.advanceTimersByTimeAsync(120);
      expect(stream.signal.reason).toBe('evicted');
      expect(hub.stats().evicted).toBe(1);
    });
  });

  describe('hub.close', () => {
    it('stops the timer: no heartbeat after close, nothing left to keep the process alive', async () => {
      const hub = hubFor({ heartbeatMs: 40, writeTimeoutMs: 100 });
      const sinks = [new TestSink(), new TestSink()];
      for (const sink of sinks) hub.subscribe(sink);
      await vi.advanceTimersByTimeAsync(45);
      for (const sink of sinks) expect(sink.writes).toEqual([RETRY, ':\n']);

      await hub.close({ retry: 1000 });
      expect(vi.getTimerCount()).toBe(0);
      await vi.advanceTimersByTimeAsync(10_000);

      for (const sink of sinks) {
        expect(sink.writes).toEqual([RETRY, ':\n', 'retry: 1000\n']);
        expect(sink.ends).toEqual(['shutdown']);
        expect(sink.writesAfterEnd).toBe(0);
      }
    });

    it('leaves no timer behind after publishes', async () => {
      const hub = hubFor({ heartbeatMs: 40 });
      hub.subscribe(new TestSink(), { topics: ['t'] });
      for (let i = 0; i < 5; i++) await hub.publish('t', { data: i });
      await hub.publish('nobody', { data: 'x' });
      await hub.close();
      expect(vi.getTimerCount()).toBe(0);
    });
  });
});

describe('with real timers', () => {
  afterEach(async () => {
    await Promise.all(hubs.splice(0).map((hub) => hub.close()));
  });

  it('sends heartbeats to an idle stream and none after close', async () => {
    const hub = hubFor({ heartbeatMs: 20 });
    const sink = new TestSink();
    hub.subscribe(sink);
    await vi.waitFor(
      () => {
        expect(comments(sink)).toBeGreaterThanOrEqual(2);
      },
      { timeout: 5000, interval: 10 },
    );
    await hub.close();
    const seen = sink.writes.length;
    await new Promise((resolve) => setTimeout(resolve, 80));
    expect(sink.writes).toHaveLength(seen);
    expect(sink.writes).toEqual([RETRY, ...Array<string>(seen - 1).fill(':\n')]);
    expect(sink.ends).toEqual(['shutdown']);
  });
});
