import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHub, parseLastEventId } from '../src/index.js';
import type { Bus, BusHandlers, Envelope, Hub } from '../src/index.js';
import { RecordingStore, block, gate } from './support/helpers.js';
import type { Gate } from './support/helpers.js';
import { RETRY, TestSink, settle } from './support/test-sink.js';

/**
 * A bus like a Redis channel per topic, in memory: each hub's end delivers only the topics it
 * watches, from the moment the test confirms them.
 */
class Medium {
  readonly ends = new Set<SelectiveBus>();

  bus(): SelectiveBus {
    const end = new SelectiveBus(this);
    this.ends.add(end);
    return end;
  }
}

class SelectiveBus implements Bus {
  readonly calls: string[] = [];
  /** Topics delivered now. */
  readonly live = new Set<string>();
  /** Confirmations the test has not given yet. */
  readonly pending = new Map<string, Gate>();
  handlers: BusHandlers | undefined;
  readonly #medium: Medium;

  constructor(medium: Medium) {
    this.#medium = medium;
  }

  subscribe(handlers: BusHandlers): () => void {
    this.handlers = handlers;
    return () => (this.handlers = undefined);
  }

  publish(envelope: Envelope): void {
    for (const end of this.#medium.ends) if (end.live.has(envelope.topic)) end.handlers?.envelope(envelope);
  }

  watch(topic: string): Promise<void> {
    this.calls.push(`watch ${topic}`);
    const confirmation = gate();
    this.pending.set(topic, confirmation);
    return confirmation.promise;
  }

  unwatch(topic: string): void {
    this.calls.push(`unwatch ${topic}`);
    this.live.delete(topic);
  }

  /** Redis answered the SUBSCRIBE of `topic`. */
  confirm(topic: string): void {
    this.live.add(topic);
    this.pending.get(topic)?.open();
    this.pending.delete(topic);
  }
}

const hubs: Hub[] = [];
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(hubs.splice(0).map((hub) => hub.close()));
});

function setup(): { store: RecordingStore; a: Hub; b: Hub; busA: SelectiveBus; busB: SelectiveBus } {
  const medium = new Medium();
  const store = new RecordingStore();
  const busA = medium.bus();
  const busB = medium.bus();
  const a = createHub({ store, bus: busA, heartbeatMs: 0, writeTimeoutMs: 0 });
  const b = createHub({ store, bus: busB, heartbeatMs: 0, writeTimeoutMs: 0 });
  hubs.push(a, b);
  return { store, a, b, busA, busB };
}

describe('a bus that carries only watched topics', () => {
  it('ends only the streams on the topics a gap names, every stream for a gap that names none', async () => {
    const { b, busB } = setup();
    const sinks = { t: new TestSink(), u: new TestSink(), tv: new TestSink(), v: new TestSink() };
    b.subscribe(sinks.t, { topics: ['t'] });
    b.subscribe(sinks.u, { topics: ['u'] });
    b.subscribe(sinks.tv, { topics: ['v', 't'] });
    b.subscribe(sinks.v, { topics: ['v'] });
    for (const topic of ['t', 'u', 'v']) busB.confirm(topic);
    await settle();
    busB.handlers?.gap?.(['t']);
    await settle();
    expect([sinks.t.ended, sinks.u.ended, sinks.tv.ended, sinks.v.ended]).toEqual([true, false, true, false]);
    expect(b.stats().connections).toBe(2);
    busB.handlers?.gap?.();
    await settle();
    expect([sinks.u.ended, sinks.v.ended]).toEqual([true, true]);
    expect(b.stats().connections).toBe(0);
  });

  it('is asked for a topic when its first stream opens and told when its last one ends', async () => {
    const { b, busB } = setup();
    const one = b.subscribe(new TestSink(), { topics: ['t', 'u'] });
    const two = b.subscribe(new TestSink(), { topics: ['t'] });
    expect(busB.calls).toEqual(['watch t', 'watch u']);
    await one.close('client');
    expect(busB.calls).toEqual(['watch t', 'watch u', 'unwatch u']);
    await two.close('client');
    expect(busB.calls).toEqual(['watch t', 'watch u', 'unwatch u', 'unwatch t']);
  });

  it('reads the store for a resuming stream only once the bus confirmed its topic, then misses nothing', async () => {
    const { store, a, b, busB } = setup();
    const first = await a.publish('t', { data: 'seen' });
    const sink = new TestSink();
    const stream = b.subscribe(sink, { topics: ['t'], lastEventId: parseLastEventId(first.id) });
    await settle();
    expect(store.sinceCalls).toEqual([]);
    // Published while the subscription is being made: the bus does not bring it to b.
    const during = await a.publish('t', { data: 'during' });
    expect(during.delivered).toBe(0);
    busB.confirm('t');
    await stream.ready;
    expect(store.sinceCalls).toHaveLength(1);
    const after = await a.publish('t', { data: 'after' });
    await settle();
    expect(sink.text).toBe(RETRY + block(during.id, { data: 'during' }) + block(after.id, { data: 'after' }));
  });

  it('sends its first bytes only once the bus confirmed every topic, then what arrived meanwhile', async () => {
    const { a, b, busB } = setup();
    const sink = new TestSink();
    b.subscribe(sink, { topics: ['t', 'u'] });
    await settle();
    expect(sink.text).toBe('');
    busB.confirm('t');
    await settle();
    // The client cannot have seen the stream open, yet this arrives: it waits behind the retry line.
    const early = await a.publish('t', { data: 'early' });
    await settle();
    expect(sink.text).toBe('');
    busB.confirm('u');
    await settle();
    expect(new TextDecoder().decode(sink.chunks[0])).toBe(RETRY);
    expect(sink.text).toBe(RETRY + block(early.id, { data: 'early' }));
    const late = await a.publish('u', { data: 'late' });
    await settle();
    expect(sink.text).toBe(RETRY + block(early.id, { data: 'early' }) + block(late.id, { data: 'late' }));
  });

  it('ends a new stream whose topic completed while the bus was being asked for it', async () => {
    const { a, b, busB } = setup();
    const sink = new TestSink();
    const stream = b.subscribe(sink, { topics: ['t'] });
    await settle();
    // After the request was prepared, before b's bus delivers t: neither sees the final.
    await a.publish('t', { data: 'the end', final: true });
    busB.confirm('t');
    await stream.ready;
    await settle();
    expect(sink.ended).toBe(true);
    expect(sink.ends).toEqual(['completed']);
    expect(sink.text).toBe(RETRY);
  });

  it('settles a live stream once its topic is confirmed, and answers a publish nobody here hears at once', async () => {
    const { a, b, busB } = setup();
    const sink = new TestSink();
    const stream = b.subscribe(sink, { topics: ['t'] });
    let ready = false;
    void stream.ready.then(() => (ready = true));
    await settle();
    expect(ready).toBe(false);
    busB.confirm('t');
    await settle();
    expect(ready).toBe(true);
    // a has no stream on t, so its bus does not bring the event back: nothing to wait for. With
    // timers stopped, a publish that waited for its echo (10 s, then 0) would never resolve.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const result = await a.publish('t', { data: 'x' });
    expect(result.delivered).toBe(0);
    await settle();
    expect(sink.text).toBe(RETRY + block(result.id, { data: 'x' }));
  });
});
