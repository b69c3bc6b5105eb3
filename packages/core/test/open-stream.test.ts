import { describe, expect, it, vi } from 'vitest';
import { openStream } from '../src/index.js';
import { expectThrowsCode } from './support/helpers.js';
import { TestSink, settle } from './support/test-sink.js';

// openStream(sink, options): one stream without a hub, as every adapter's hand-driven form
// wraps it. Each test picks its own timing where timers matter: streams with the same
// heartbeat and write deadline share one timer.

describe('openStream', () => {
  it('writes the retry hint at once, in one write, before returning', () => {
    const sink = new TestSink();
    const stream = openStream(sink, { retry: 1500, heartbeatMs: 0 });
    expect(sink.writes).toEqual(['retry: 1500\n']);
    expect(stream.closed).toBe(false);
    void stream.close();
  });

  it('writes nothing first without a retry hint, then each turn’s events in one write, in order', async () => {
    const sink = new TestSink();
    const stream = openStream(sink, { heartbeatMs: 0 });
    expect(sink.writes).toEqual([]);
    expect(stream.send({ event: 'tick', data: { n: 1 }, id: '1' })).toBe(true);
    expect(stream.send({ data: 'two\nlines' })).toBe(true);
    expect(stream.comment('note')).toBe(true);
    expect(sink.writes).toEqual([]);
    await settle();
    expect(sink.writes).toEqual(['event: tick\nid: 1\ndata: {"n":1}\n\ndata: two\ndata: lines\n\n: note\n']);
    void stream.close();
  });

  it('serializes data with the serialize option', async () => {
    const sink = new TestSink();
    const stream = openStream(sink, { heartbeatMs: 0, serialize: (data) => `<${String((data as { n: number }).n)}>` });
    stream.send({ data: { n: 7 } });
    await settle();
    expect(sink.text).toBe('data: <7>\n\n');
    void stream.close();
  });

  it('holds events while the sink is full and writes them in order once it drains', async () => {
    const sink = new TestSink();
    const stream = openStream(sink, { retry: 1000, heartbeatMs: 0 });
    sink.control = stream;
    sink.block();
    stream.send({ data: 'a' });
    await settle();
    // The write that filled the transport was accepted; what follows waits in the backlog.
    expect(stream.writable).toBe(false);
    stream.send({ data: 'b' });
    stream.send({ data: 'c' });
    await settle();
    expect(sink.writes).toEqual(['retry: 1000\n', 'data: a\n\n']);
    expect(stream.bufferedBytes).toBe('data: b\n\ndata: c\n\n'.length);
    sink.drain();
    expect(sink.writes).toEqual(['retry: 1000\n', 'data: a\n\n', 'data: b\n\ndata: c\n\n']);
    expect(stream.bufferedBytes).toBe(0);
    void stream.close();
  });

  it("ends a client that does not drain past its budget, with reason 'evicted' (policy 'disconnect')", async () => {
    const sink = new TestSink();
    const stream = openStream(sink, { heartbeatMs: 0, maxBufferedBytes: 32 });
    sink.block();
    stream.send({ data: 'fills the transport' });
    await settle();
    expect(stream.send({ data: 'x'.repeat(20) })).toBe(true);
    expect(stream.send({ data: 'y'.repeat(20) })).toBe(false);
    expect(stream.closed).toBe(true);
    expect(sink.ends).toEqual(['evicted']);
    expect(stream.signal.aborted).toBe(true);
    expect(stream.signal.reason).toBe('evicted');
  });

  it("drops the oldest held events for the new one with policy 'drop-oldest'", async () => {
    const sink = new TestSink();
    const stream = openStream(sink, { heartbeatMs: 0, maxBufferedBytes: 24, slowClientPolicy: 'drop-oldest' });
    sink.control = stream;
    sink.block();
    stream.send({ data: 'fills the transport' });
    await settle();
    for (const data of ['1111', '2222', '3333']) expect(stream.send({ data })).toBe(true);
    sink.drain();
    expect(sink.writes.slice(1)).toEqual(['data: 2222\n\ndata: 3333\n\n']);
    expect(stream.closed).toBe(false);
    void stream.close();
  });

  it("ends with reason 'client' when the signal aborts, and at once when it already has", () => {
    const controller = new AbortController();
    const sink = new TestSink();
    const stream = openStream(sink, { heartbeatMs: 0, signal: controller.signal });
    controller.abort();
    expect(sink.ends).toEqual(['client']);
    expect(stream.signal.reason).toBe('client');

    const late = new TestSink();
    const closed = openStream(late, { heartbeatMs: 0, retry: 1000, signal: AbortSignal.abort() });
    expect(closed.closed).toBe(true);
    expect(late.ends).toEqual(['client']);
    expect(closed.send({ data: 'x' })).toBe(false);
  });

  it("closes once, with reason 'server' by default, sending what was queued first", async () => {
    const sink = new TestSink();
    const stream = openStream(sink, { heartbeatMs: 0 });
    stream.send({ data: 'last words' });
    const first = stream.close();
    const second = stream.close('shutdown');
    expect(second).toBe(first);
    await first;
    expect(sink.writes).toEqual(['data: last words\n\n']);
    expect(sink.ends).toEqual(['server']);
    expect(stream.signal.reason).toBe('server');
    expect(stream.send({ data: 'after' })).toBe(false);
    await settle();
    expect(sink.writesAfterEnd).toBe(0);
  });

  it("ends with reason 'error' when a write throws", async () => {
    const sink = new TestSink();
    const stream = openStream(sink, { heartbeatMs: 0 });
    sink.failNextWrite = new Error('socket gone');
    stream.send({ data: 'x' });
    await settle();
    expect(stream.closed).toBe(true);
    expect(sink.ends).toEqual(['error']);
  });

  it('sends a heartbeat comment on an idle stream, from the shared timer', async () => {
    const sink = new TestSink();
    const stream = openStream(sink, { heartbeatMs: 24, writeTimeoutMs: 0 });
    await vi.waitFor(() => {
      expect(sink.writes).toContain(':\n');
    });
    void stream.close();
  });

  it("evicts a stream whose transport has not drained within writeTimeoutMs, with reason 'evicted'", async () => {
    const sink = new TestSink();
    const stream = openStream(sink, { heartbeatMs: 0, writeTimeoutMs: 36 });
    sink.block();
    stream.send({ data: 'stuck' });
    await vi.waitFor(() => {
      expect(sink.ends).toEqual(['evicted']);
    });
    expect(stream.closed).toBe(true);
  });

  it.each([
    ['a negative retry', { retry: -1 }, '`retry` must be a non-negative integer of milliseconds; got -1.'],
    ['a fractional heartbeat', { heartbeatMs: 0.5 }, '`heartbeatMs` must be a non-negative integer'],
    ['a zero budget', { maxBufferedBytes: 0 }, '`maxBufferedBytes` must be a positive number of bytes.'],
    ['an unknown policy', { slowClientPolicy: 'drop' }, "`slowClientPolicy` must be 'disconnect' or 'drop-oldest'."],
    ['a signal that is not one', { signal: 'abort' }, '`signal` must be an AbortSignal.'],
    ['a hub option', { topics: ['a'] }, 'unknown option `topics`'],
  ])('refuses %s with invalid_option, before writing anything', (_label, options, message) => {
    const sink = new TestSink();
    const error = expectThrowsCode(() => openStream(sink, options as never), 'invalid_option');
    expect(error.message).toMatch(/^ssekit: openStream\(\): /);
    expect(error.message).toContain(message);
    expect(sink.chunks).toEqual([]);
    expect(sink.ends).toEqual([]);
  });
});
