import { afterEach, describe, expect, it } from 'vitest';
import { createHub, openStream } from '../src/index.js';
import type { Hub, HubOptions } from '../src/index.js';
import { block, gate } from './support/helpers.js';
import { RETRY, TestSink, settle } from './support/test-sink.js';

const hubs: Hub[] = [];

function hubFor(options: HubOptions = {}): Hub {
  const hub = createHub({ heartbeatMs: 0, writeTimeoutMs: 0, ...options });
  hubs.push(hub);
  return hub;
}

afterEach(async () => {
  await Promise.all(hubs.splice(0).map((hub) => hub.close()));
});

/** An async generator over `items` that records how far it got and whether its `finally` ran. */
function tracked<T>(
  items: readonly T[],
  failAt?: number,
): { source: AsyncGenerator<T>; pulled: () => number; finished: () => boolean } {
  let pulled = 0;
  let finished = false;
  async function* generate(): AsyncGenerator<T> {
    try {
      for (const [i, item] of items.entries()) {
        if (i === failAt) throw new Error('model crashed: secret detail');
        pulled++;
        await Promise.resolve();
        yield item;
      }
    } finally {
      finished = true;
    }
  }
  return { source: generate(), pulled: () => pulled, finished: () => finished };
}

describe('hub.pipe', () => {
  it('publishes every item in order, then the final done event, and the streams end', async () => {
    const hub = hubFor();
    const sink = new TestSink();
    hub.subscribe(sink, { topics: ['answer'] });
    const result = await hub.pipe('answer', tracked(['Hel', 'lo', '!']).source, {
      map: (token) => ({ event: 'token', data: token }),
    });
    await settle();
    expect(result.published).toBe(4);
    const ids = /id: (\d+)\n/g;
    const seen = [...sink.text.matchAll(ids)].map((match) => match[1]!);
    expect(sink.text).toBe(
      RETRY +
        block(seen[0]!, { event: 'token', data: 'Hel' }) +
        block(seen[1]!, { event: 'token', data: 'lo' }) +
        block(seen[2]!, { event: 'token', data: '!' }) +
        block(seen[3]!, { event: 'done', data: '' }),
    );
    expect(result.lastId).toBe(seen[3]);
    expect(sink.ends).toEqual(['completed']);
    await expect(hub.publish('answer', { data: 'late' })).rejects.toMatchObject({ code: 'completed' });
  });

  it('reads a ReadableStream too, with unnamed events by default and a custom end', async () => {
    const hub = hubFor();
    const sink = new TestSink();
    hub.subscribe(sink, { topics: ['log'] });
    const source = new ReadableStream<string>({
      start(controller) {
        controller.enqueue('line 1');
        controller.enqueue('line 2');
        controller.close();
      },
    });
    const result = await hub.pipe('log', source, { end: { event: 'exit', data: { code: 0 } } });
    await settle();
    const ids = [...sink.text.matchAll(/id: (\d+)\n/g)].map((match) => match[1]!);
    expect(sink.text).toBe(
      RETRY +
        block(ids[0]!, { data: 'line 1' }) +
        block(ids[1]!, { data: 'line 2' }) +
        block(ids[2]!, { event: 'exit', data: '{"code":0}' }),
    );
    expect(result).toEqual({ published: 3, lastId: ids[2] });
  });

  it('ends a run whose source throws with an error event that keeps the error to itself', async () => {
    const hub = hubFor();
    const sink = new TestSink();
    hub.subscribe(sink, { topics: ['answer'] });
    const { source, finished } = tracked(['a', 'b', 'c'], 2);
    const result = await hub.pipe('answer', source);
    await settle();
    expect(result.published).toBe(3);
    expect((result.error as Error).message).toBe('model crashed: secret detail');
    expect(sink.text).toContain('event: error\ndata: {"message":"the source of this stream failed"}\n\n');
    expect(sink.text).not.toContain('secret');
    expect(sink.ends).toEqual(['completed']);
    expect(finished()).toBe(true);
  });

  it('is not slowed by a reader that stopped: the run finishes, the reader is held to its budget', async () => {
    const hub = hubFor({ maxBufferedBytes: 4096 });
    const stalled = new TestSink();
    hub.subscribe(stalled, { topics: ['answer'] });
    stalled.block();
    await settle();
    const items = Array.from({ length: 200 }, (_, i) => `token ${i} ${'x'.repeat(100)}`);
    const { source, pulled } = tracked(items);
    const result = await hub.pipe('answer', source);
    expect(pulled()).toBe(200);
    expect(result.published).toBe(201);
    expect(hub.stats().queuedBytes).toBeLessThanOrEqual(4096);
    expect(stalled.ends).toEqual(['evicted']);
  });

  it('stops the source and rejects when a publish fails', async () => {
    const hub = hubFor();
    const { source, finished, pulled } = tracked(['a', 'b', 'c', 'd']);
    const piping = hub.pipe('answer', source, {
      map: (item, index) => {
        if (index === 1) void hub.close();
        return { data: item };
      },
    });
    await expect(piping).rejects.toMatchObject({ code: 'closed' });
    expect(finished()).toBe(true);
    expect(pulled()).toBeLessThan(4);
  });
});

describe('stream.pipe', () => {
  it('sends every item, paced by the transport, then ends the stream', async () => {
    const sink = new TestSink();
    const stream = openStream(sink, { heartbeatMs: 0, writeTimeoutMs: 0 });
    sink.control = stream;
    sink.block();
    const { source, pulled } = tracked(['a', 'b', 'c']);
    const piping = stream.pipe(source, { map: (item) => ({ event: 'token', data: item }) });
    await settle();
    await settle();
    // The first write was refused: at most the item already in hand is queued, and the source
    // is not read further until the drain.
    expect(pulled()).toBe(2);
    await settle();
    expect(pulled()).toBe(2);
    sink.drain();
    const result = await piping;
    expect(result).toEqual({ sent: 3, cancelled: false });
    expect(sink.text).toBe('event: token\ndata: a\n\nevent: token\ndata: b\n\nevent: token\ndata: c\n\n');
    expect(sink.ends).toEqual(['server']);
  });

  it("stops the source's iterator when the client leaves", async () => {
    const sink = new TestSink();
    const stream = openStream(sink, { heartbeatMs: 0, writeTimeoutMs: 0 });
    const waiting = gate();
    let finished = false;
    async function* slow(): AsyncGenerator<string> {
      try {
        yield 'first';
        await waiting.promise;
        yield 'never sent';
      } finally {
        finished = true;
      }
    }
    const piping = stream.pipe(slow());
    await settle();
    void stream.close('client');
    waiting.open();
    const result = await piping;
    expect(result.cancelled).toBe(true);
    expect(result.sent).toBe(1);
    await settle();
    expect(finished).toBe(true);
    expect(sink.text).toBe('data: first\n\n');
  });

  it('sends a safe error event when the source throws, and can keep the stream open', async () => {
    const sink = new TestSink();
    const stream = openStream(sink, { heartbeatMs: 0, writeTimeoutMs: 0 });
    const result = await stream.pipe(tracked(['a', 'b'], 1).source, { close: false });
    await settle();
    expect(result.sent).toBe(1);
    expect((result.error as Error).message).toBe('model crashed: secret detail');
    expect(sink.text).toBe('data: a\n\nevent: error\ndata: {"message":"the source of this stream failed"}\n\n');
    expect(stream.closed).toBe(false);
    await stream.close();
  });
});
