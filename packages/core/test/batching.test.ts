import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHub } from '../src/index.js';
import type { Hub, HubOptions } from '../src/index.js';
import { block } from './support/helpers.js';
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

/** A sink whose every write takes `ms` of CPU, as a pass over many sockets does. */
class SlowSink extends TestSink {
  constructor(private readonly ms: number) {
    super();
  }

  override write(chunk: Uint8Array): boolean {
    const until = performance.now() + this.ms;
    while (performance.now() < until) {
      // Busy: what a long pass costs the event loop.
    }
    return super.write(chunk);
  }
}

/** Resolves after the current turn's I/O and immediates. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

describe('adaptive flushing', () => {
  it('writes an event at once when the hub is idle: before the turn ends', async () => {
    const hub = hubFor();
    const sink = new TestSink();
    hub.subscribe(sink, { topics: ['t'] });
    await settle();
    sink.clear();
    let seenBeforeImmediate = false;
    const publishing = hub.publish('t', { data: 'now' });
    setImmediate(() => {
      seenBeforeImmediate = sink.chunks.length === 1;
    });
    await publishing;
    await nextTurn();
    expect(seenBeforeImmediate).toBe(true);
  });

  it('under load joins the events that queued during a pass into one write per stream, in order, none lost', async () => {
    const hub = hubFor();
    const sink = new SlowSink(3);
    hub.subscribe(sink, { topics: ['t'] });
    await settle();
    sink.clear();
    // A first event makes a slow pass; the next ones come while the loop is still busy with it,
    // each from its own callback, as publishes read off several sockets in one turn do.
    const results = [await hub.publish('t', { data: 'e0' })];
    const burst = await Promise.all(
      Array.from(
        { length: 9 },
        (_, i) =>
          new Promise<Awaited<ReturnType<Hub['publish']>>>((resolve, reject) => {
            setImmediate(() => {
              hub.publish('t', { data: `e${i + 1}` }).then(resolve, reject);
            });
          }),
      ),
    );
    results.push(...burst);
    for (let i = 0; i < 5; i++) await nextTurn();
    expect(sink.text).toBe(results.map((result, i) => block(result.id, { data: `e${i}` })).join(''));
    expect(sink.chunks.length).toBeLessThan(results.length);
  });

  it('goes back to writing at once when the load is gone', async () => {
    const hub = hubFor();
    const sink = new SlowSink(3);
    hub.subscribe(sink, { topics: ['t'] });
    await Promise.all(Array.from({ length: 5 }, (_, i) => hub.publish('t', { data: `busy ${i}` })));
    await new Promise((resolve) => setTimeout(resolve, 30));
    sink.clear();
    let seenBeforeImmediate = false;
    const publishing = hub.publish('t', { data: 'idle again' });
    setImmediate(() => {
      seenBeforeImmediate = sink.chunks.length === 1;
    });
    await publishing;
    await nextTurn();
    expect(seenBeforeImmediate).toBe(true);
  });
});

describe('flushIntervalMs', () => {
  it('holds queued events at most that long, then writes them together', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const hub = hubFor({ flushIntervalMs: 50 });
    const sink = new TestSink();
    hub.subscribe(sink, { topics: ['t'] });
    await vi.advanceTimersByTimeAsync(50);
    sink.clear();
    const first = await hub.publish('t', { data: 'a' });
    await vi.advanceTimersByTimeAsync(20);
    const second = await hub.publish('t', { data: 'b' });
    await vi.advanceTimersByTimeAsync(29);
    expect(sink.chunks).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(sink.writes).toEqual([block(first.id, { data: 'a' }) + block(second.id, { data: 'b' })]);
  });

  it('does not hold heartbeats back', async () => {
    const hub = hubFor({ flushIntervalMs: 60_000, heartbeatMs: 40 });
    const sink = new TestSink();
    hub.subscribe(sink, { topics: ['t'] });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sink.text.startsWith(RETRY.slice(0, 5))).toBe(true);
    expect(sink.text.match(/^:\n/gm)?.length ?? 0).toBeGreaterThanOrEqual(2);
  });

  it('is refused when not a non-negative integer', () => {
    expect(() => createHub({ flushIntervalMs: -1 })).toThrow(
      'ssekit: `flushIntervalMs` must be a non-negative integer.',
    );
  });
});
