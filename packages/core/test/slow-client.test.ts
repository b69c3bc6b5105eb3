import { afterEach, describe, expect, it } from 'vitest';
import { SsekitError, createHub } from '../src/index.js';
import type { Hub, HubOptions, PublishResult, Subscription } from '../src/index.js';
import { block } from './support/helpers.js';
import { RETRY, TestSink, settle } from './support/test-sink.js';

const hubs: { close(): Promise<void> }[] = [];

function hubFor(options: HubOptions = {}): Hub {
  const hub = createHub({ heartbeatMs: 0, writeTimeoutMs: 0, ...options });
  hubs.push(hub);
  return hub;
}

afterEach(async () => {
  await Promise.all(hubs.splice(0).map((hub) => hub.close()));
});

/** 30 characters of data: with a 16-digit id, a 59-byte block. */
const D = (n: number): string => `${String(n).padStart(2, '0')}${'.'.repeat(28)}`;
const BLOCK_BYTES = 59;

interface Setup {
  hub: Hub;
  slow: TestSink;
  fast: TestSink;
  stream: Subscription;
  publish: (n: number) => Promise<PublishResult>;
  /** The blocks of the given publishes, in that order. */
  sent: (...ns: number[]) => string;
}

/** A hub with one slow subscriber (transport full after the retry hint) and one fast one. */
function slowAndFast(options: HubOptions): Setup {
  const hub = hubFor(options);
  const slow = new TestSink();
  const fast = new TestSink();
  const stream = hub.subscribe(slow, { topics: ['t'] });
  slow.control = stream;
  hub.subscribe(fast, { topics: ['t'] });
  slow.block();
  const results = new Map<number, PublishResult>();
  return {
    hub,
    slow,
    fast,
    stream,
    publish: async (n) => {
      const result = await hub.publish('t', { data: D(n) });
      results.set(n, result);
      return result;
    },
    sent: (...ns) => ns.map((n) => block(results.get(n)!.id, { data: D(n) })).join(''),
  };
}

describe('a client that stops draining', () => {
  it('holds its backlog up to maxBufferedBytes, writing nothing more until it drains', async () => {
    const { hub, slow, stream, publish, sent } = slowAndFast({ maxBufferedBytes: 5 * BLOCK_BYTES + 5 });
    await publish(1); // goes to the transport, which answers false
    for (let n = 2; n <= 6; n++) await publish(n);

    expect(slow.text).toBe(RETRY + sent(1));
    expect(stream.writable).toBe(false);
    expect(stream.bufferedBytes).toBe(5 * BLOCK_BYTES);
    expect(hub.stats()).toMatchObject({ queuedBytes: 5 * BLOCK_BYTES, evicted: 0, dropped: 0, connections: 2 });

    slow.drain();
    expect(slow.writes).toEqual([RETRY, sent(1), sent(2, 3, 4, 5, 6)]);
    expect(stream.bufferedBytes).toBe(0);
    expect(hub.stats().queuedBytes).toBe(0);

    await publish(7);
    expect(slow.text).toBe(RETRY + sent(1, 2, 3, 4, 5, 6, 7));
  });

  it("'disconnect' (the default) evicts it past the budget while the others get every event", async () => {
    const { hub, slow, fast, stream, publish, sent } = slowAndFast({ maxBufferedBytes: 5 * BLOCK_BYTES + 5 });
    for (let n = 1; n <= 6; n++) expect((await publish(n)).delivered).toBe(2);

    const seventh = await publish(7);

    expect(seventh.delivered).toBe(1);
    expect(stream.closed).toBe(true);
    expect(stream.signal.aborted).toBe(true);
    expect(stream.signal.reason).toBe('evicted');
    expect(slow.ends).toEqual(['evicted']);
    expect(slow.text).toBe(RETRY + sent(1));
    expect(hub.stats()).toMatchObject({ evicted: 1, dropped: 0, connections: 1, topics: { t: 1 }, queuedBytes: 0 });

    for (let n = 8; n <= 10; n++) await publish(n);
    slow.drain();
    await settle();
    expect(slow.ends).toEqual(['evicted']);
    expect(slow.writesAfterEnd).toBe(0);
    expect(fast.text).toBe(RETRY + sent(1, 2, 3, 4, 5, 6, 7, 8, 9, 10));
    expect(fast.ends).toEqual([]);
  });

  it('never holds more than the default 1 MiB before evicting', async () => {
    const hub = hubFor();
    const slow = new TestSink();
    const fast = new TestSink();
    const stream = hub.subscribe(slow, { topics: ['big'] });
    hub.subscribe(fast, { topics: ['big'] });
    slow.block();
    const payload = 'b'.repeat(100_000);
    let most = 0;
    let published = 0;
    while (!stream.closed && published < 100) {
      await hub.publish('big', { data: payload });
      published++;
      most = Math.max(most, hub.stats().queuedBytes);
    }
    expect(stream.signal.reason).toBe('evicted');
    expect(most).toBeLessThanOrEqual(1024 * 1024);
    // One block in the transport, ten held (just over 1 MB), the twelfth does not fit.
    expect(published).toBe(12);
    expect(fast.chunks).toHaveLength(1 + published);
    expect(hub.stats()).toMatchObject({ queuedBytes: 0, evicted: 1 });
  });

  it("'drop-oldest' drops the oldest held events, counts them, and writes the rest in order", async () => {
    const { hub, slow, fast, stream, publish, sent } = slowAndFast({
      maxBufferedBytes: 3 * BLOCK_BYTES,
      slowClientPolicy: 'drop-oldest',
    });
    for (let n = 1; n <= 4; n++) await publish(n); // 1 in the transport, 2..4 held
    expect(hub.stats()).toMatchObject({ dropped: 0, queuedBytes: 3 * BLOCK_BYTES });

    expect((await publish(5)).delivered).toBe(2); // drops 2
    expect((await publish(6)).delivered).toBe(2); // drops 3
    expect(hub.stats()).toMatchObject({ dropped: 2, evicted: 0, queuedBytes: 3 * BLOCK_BYTES, connections: 2 });
    expect(stream.closed).toBe(false);

    slow.drain();
    expect(slow.writes).toEqual([RETRY, sent(1), sent(4, 5, 6)]);
    expect(fast.text).toBe(RETRY + sent(1, 2, 3, 4, 5, 6));
    expect(hub.stats().queuedBytes).toBe(0);
  });

  it("'drop-oldest' drops an event larger than the whole budget and keeps the backlog", async () => {
    const { hub, slow, fast, stream, publish, sent } = slowAndFast({
      maxBufferedBytes: 2 * BLOCK_BYTES,
      slowClientPolicy: 'drop-oldest',
    });
    await publish(1);
    await publish(2);
    const huge = await hub.publish('t', { data: 'h'.repeat(500) });
    expect(huge.delivered).toBe(1);
    expect(hub.stats()).toMatchObject({ dropped: 1, evicted: 0, queuedBytes: BLOCK_BYTES });
    slow.drain();
    expect(stream.closed).toBe(false);
    expect(slow.text).toBe(RETRY + sent(1, 2));
    expect(fast.text).toBe(RETRY + sent(1, 2) + block(huge.id, { data: 'h'.repeat(500) }));
  });

  it('writes a backlog that drains and blocks again in order, across several drains', async () => {
    const { slow, fast, publish, sent } = slowAndFast({ maxBufferedBytes: 10 * BLOCK_BYTES });
    await publish(1);
    await publish(2);
    await publish(3);
    slow.drain(); // writes 2+3; the transport is open again
    slow.block();
    await publish(4); // written, transport full
    await publish(5);
    await publish(6);
    slow.drain();
    await publish(7);
    expect(slow.text).toBe(RETRY + sent(1, 2, 3, 4, 5, 6, 7));
    expect(fast.text).toBe(slow.text);
  });

  it('writes a large backlog completely and in order after a drain', async () => {
    const hub = hubFor();
    const slow = new TestSink();
    const stream = hub.subscribe(slow, { topics: ['t'] });
    slow.control = stream;
    slow.block();
    const data = Array.from({ length: 8 }, (_v, i) => String(i).repeat(40_000));
    const results: PublishResult[] = [];
    for (const d of data) results.push(await hub.publish('t', { data: d }));
    expect(hub.stats().queuedBytes).toBeGreaterThan(64 * 1024);
    slow.drain();
    expect(slow.text).toBe(RETRY + results.map((r, i) => block(r.id, { data: data[i]! })).join(''));
    expect(hub.stats().queuedBytes).toBe(0);
  });

  it('ends with reason error when the write of the backlog throws', async () => {
    const { hub, slow, fast, stream, publish, sent } = slowAndFast({});
    await publish(1);
    await publish(2);
    slow.failNextWrite = new Error('EPIPE');
    slow.drain();
    await publish(3);
    expect(stream.signal.reason).toBe('error');
    expect(slow.ends).toEqual(['error']);
    expect(fast.text).toBe(RETRY + sent(1, 2, 3));
    expect(hub.stats()).toMatchObject({ connections: 1, queuedBytes: 0, evicted: 0 });
  });
});

describe('a client that drains', () => {
  it('is never evicted for a burst larger than the budget within one turn', async () => {
    const hub = hubFor({ maxBufferedBytes: 4 * BLOCK_BYTES });
    const sink = new TestSink();
    const stream = hub.subscribe(sink, { topics: ['t'] });
    const burst = Array.from({ length: 12 }, (_v, i) => hub.publish('t', { data: D(i) }));
    const results = await Promise.all(burst);
    expect(stream.closed).toBe(false);
    expect(results.map((r) => r.delivered)).toEqual(results.map(() => 1));
    expect(sink.writes).toEqual([RETRY, results.map((r, i) => block(r.id, { data: D(i) })).join('')]);
    expect(hub.stats()).toMatchObject({ evicted: 0, dropped: 0 });
  });

  it('receives an event larger than the budget', async () => {
    const hub = hubFor({ maxBufferedBytes: 64 });
    const sink = new TestSink();
    hub.subscribe(sink, { topics: ['t'] });
    const big = await hub.publish('t', { data: 'B'.repeat(1000) });
    expect(big.delivered).toBe(1);
    expect(sink.text).toBe(RETRY + block(big.id, { data: 'B'.repeat(1000) }));
  });

  it('ignores a drain it did not need', async () => {
    const hub = hubFor();
    const sink = new TestSink();
    const stream = hub.subscribe(sink, { topics: ['t'] });
    stream.drained();
    stream.drained();
    const r = await hub.publish('t', { data: 'x' });
    expect(sink.writes).toEqual([RETRY, block(r.id, { data: 'x' })]);
  });
});

describe('options', () => {
  it('refuses a budget that is not a positive number before any byte is written', () => {
    for (const maxBufferedBytes of [0, -1, Number.NaN]) {
      const sink = new TestSink();
      let caught: unknown;
      try {
        hubFor({ maxBufferedBytes }).subscribe(sink);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(SsekitError);
      expect((caught as SsekitError).code).toBe('invalid_option');
      expect(sink.chunks).toEqual([]);
    }
  });
});
