import { afterEach, describe, expect, it } from 'vitest';
import type { HubOptions } from '../src/index.js';
import { block } from './support/helpers.js';
import { closeHubs, hubFor } from './support/hubs.js';
import { RETRY, TestSink, settle } from './support/test-sink.js';

afterEach(closeHubs);

describe('cleanup runs exactly once', () => {
  async function twoStreams(options: HubOptions = {}) {
    const hub = hubFor(options);
    const sink = new TestSink();
    const witness = new TestSink();
    const stream = hub.subscribe(sink, { topics: ['t'] });
    hub.subscribe(witness, { topics: ['t'] });
    sink.control = stream;
    await settle();
    return { hub, sink, witness, stream };
  }

  it('on repeated client closes', async () => {
    const { hub, sink, stream } = await twoStreams();
    const first = stream.close('client');
    const second = stream.close('client');
    const third = stream.close('server');
    expect(second).toBe(first);
    expect(third).toBe(first);
    await first;
    expect(sink.ends).toEqual(['client']);
    expect(stream.signal.reason).toBe('client');
    expect(hub.stats()).toMatchObject({ connections: 1, topics: { t: 1 } });
  });

  it('on a write that throws, then a client close; the other subscriber keeps receiving', async () => {
    const { hub, sink, witness, stream } = await twoStreams();
    sink.failNextWrite = new Error('EPIPE');
    const r1 = await hub.publish('t', { data: '1' });
    await stream.close('client');
    const r2 = await hub.publish('t', { data: '2' });

    expect(sink.ends).toEqual(['error']);
    expect(stream.signal.reason).toBe('error');
    expect(sink.text).toBe(RETRY);
    expect(witness.text).toBe(RETRY + block(r1.id, { data: '1' }) + block(r2.id, { data: '2' }));
    expect(hub.stats()).toMatchObject({ connections: 1, evicted: 0, queuedBytes: 0 });
  });

  it('on eviction, then a client close and a drain', async () => {
    const { hub, sink, stream } = await twoStreams({ maxBufferedBytes: 64 });
    sink.block();
    await hub.publish('t', { data: 'x'.repeat(20) }); // written; the transport says it is full
    await hub.publish('t', { data: 'x'.repeat(20) }); // held (49 bytes)
    await hub.publish('t', { data: 'x'.repeat(20) }); // past the 64-byte budget: evicted
    await stream.close('client');
    sink.drain();
    await settle();

    expect(sink.ends).toEqual(['evicted']);
    expect(sink.writesAfterEnd).toBe(0);
    expect(hub.stats()).toMatchObject({ connections: 1, evicted: 1, queuedBytes: 0 });
  });

  it('on hub.close, then a client close', async () => {
    const { hub, sink, witness, stream } = await twoStreams();
    await hub.close();
    await stream.close('client');
    expect(sink.ends).toEqual(['shutdown']);
    expect(witness.ends).toEqual(['shutdown']);
    expect(hub.stats()).toMatchObject({ connections: 0, topics: {} });
  });

  it('when an abort listener on the stream signal closes it again', async () => {
    const { hub, sink, stream } = await twoStreams();
    stream.signal.addEventListener('abort', () => void stream.close('client'));
    await stream.close('server');
    expect(sink.ends).toEqual(['server']);
    expect(hub.stats().connections).toBe(1);
  });

  it('when the sink reports the client gone from inside end()', async () => {
    const { hub, sink, stream } = await twoStreams();
    sink.onEnd = () => void stream.close('client');
    await hub.close();
    expect(sink.ends).toEqual(['shutdown']);
    expect(hub.stats().connections).toBe(0);
  });

  it('when a sink end throws or rejects', async () => {
    const hub = hubFor();
    const throwing = new TestSink();
    throwing.onEnd = () => {
      throw new Error('boom');
    };
    const rejecting = new TestSink();
    rejecting.endResult = Promise.reject(new Error('late boom'));
    const a = hub.subscribe(throwing);
    const b = hub.subscribe(rejecting);
    await a.close('client');
    await b.close('client');
    expect(throwing.ends).toEqual(['client']);
    expect(rejecting.ends).toEqual(['client']);
    expect(hub.stats().connections).toBe(0);
  });

  it('for many streams closed from every path at once', async () => {
    const hub = hubFor({ maxBufferedBytes: 100 });
    const sinks = Array.from({ length: 12 }, () => new TestSink());
    const controllers = sinks.map(() => new AbortController());
    const streams = sinks.map((sink, i) => hub.subscribe(sink, { topics: ['t'], signal: controllers[i]!.signal }));
    sinks.forEach((sink, i) => {
      sink.control = streams[i];
      if (i % 3 === 1) sink.block();
      if (i % 3 === 2) sink.failNextWrite = new Error('reset');
    });
    // 79-byte blocks: the first fills a blocked transport, the second is held, the third evicts.
    await hub.publish('t', { data: 'y'.repeat(50) });
    await hub.publish('t', { data: 'y'.repeat(50) });
    await hub.publish('t', { data: 'y'.repeat(50) });
    controllers.forEach((c) => {
      c.abort();
    });
    await Promise.all(streams.map((s) => s.close('client')));
    await hub.close();

    for (const sink of sinks) {
      expect(sink.ends).toHaveLength(1);
      expect(sink.writesAfterEnd).toBe(0);
    }
    expect(sinks.map((s) => s.ends[0])).toEqual(
      sinks.map((_s, i) => (i % 3 === 0 ? 'client' : i % 3 === 1 ? 'evicted' : 'error')),
    );
    expect(hub.stats()).toMatchObject({ connections: 0, topics: {}, evicted: 4, queuedBytes: 0 });
  });
});
