import { describe, expect, it } from 'vitest';
import type { CloseReason, Hub, PublishResult, Sink, SseStreamControl } from '@ssekit/core';
import { sseBody, sseResponse } from '../src/index.js';
import { BodyReader, RETRY, frame, get, hubFor, tick } from './support.js';

const utf8 = new TextEncoder();
const byteLength = (text: string): number => utf8.encode(text).byteLength;

/** Fixed-width data, so every frame has the same length (ids have a fixed width too). */
const D = (n: number): string => `${String(n).padStart(3, '0')} ${'x'.repeat(200)}`;

/** Publishes `count` events on `default` and returns their frames, checking they are all one size. */
async function publishFrames(hub: Hub, count: number, from = 0): Promise<string[]> {
  const frames: string[] = [];
  for (let n = from; n < from + count; n++) {
    const result: PublishResult = await hub.publish('default', { data: D(n) });
    frames.push(frame(result.id, D(n)));
  }
  expect(new Set(frames.map(byteLength)).size).toBe(1);
  return frames;
}

/** How many frames of `frameBytes` a queue of `highWaterMark` takes before it reports full. */
function framesTheQueueTakes(frameBytes: number, highWaterMark: number): number {
  return Math.ceil(highWaterMark / frameBytes);
}

describe('the body sink', () => {
  it('answers false once the queue reaches highWaterMark, and the next pull is the drain', async () => {
    let sink: Sink | undefined;
    const calls: string[] = [];
    const control: SseStreamControl = {
      drained: () => calls.push('drained'),
      close: (reason?: CloseReason) => {
        calls.push(`close ${String(reason)}`);
        return Promise.resolve();
      },
    };
    const body = sseBody(
      (s) => {
        sink = s;
        return control;
      },
      { highWaterMark: 16 },
    );
    await tick();
    expect(sink).toBeUndefined();
    const reader = body.getReader();
    const first = reader.read();
    expect(sink).toBeDefined();
    // A pending read takes the chunk at once: the queue stays empty.
    expect(sink!.write(new Uint8Array(10).fill(1))).toBe(true);
    expect((await first).value).toEqual(new Uint8Array(10).fill(1));
    expect(sink!.write(new Uint8Array(10).fill(2))).toBe(true);
    expect(sink!.write(new Uint8Array(6).fill(3))).toBe(false);
    expect(calls).toEqual([]);
    expect((await reader.read()).value).toEqual(new Uint8Array(10).fill(2));
    await tick();
    expect(calls).toEqual(['drained']);
    expect((await reader.read()).value).toEqual(new Uint8Array(6).fill(3));
    await tick();
    expect(calls).toEqual(['drained']);
  });
});

describe('a reader that stops reading', () => {
  it('makes the hub hold what the queue cannot take, and gets it all, in order, once it reads again', async () => {
    const hub = hubFor({ maxBufferedBytes: 64 * 1024 });
    const body = new BodyReader((await sseResponse(get('/events'), { hub, highWaterMark: 1024 })).body);
    expect(await body.read()).toBe(RETRY);
    const frames = await publishFrames(hub, 20);
    const inQueue = framesTheQueueTakes(byteLength(frames[0]!), 1024);
    await tick();
    expect(hub.stats().queuedBytes).toBe(byteLength(frames.slice(inQueue).join('')));
    expect(hub.stats().connections).toBe(1);
    const all = RETRY + frames.join('');
    expect(await body.readUntil(all.length)).toBe(all);
    expect(hub.stats().queuedBytes).toBe(0);
    expect(hub.stats().delivered).toBe(20);
  });

  it('is evicted past the budget with the disconnect policy; its body ends after what was queued', async () => {
    const hub = hubFor({ maxBufferedBytes: 2048 });
    const body = new BodyReader((await sseResponse(get('/events'), { hub, highWaterMark: 1024 })).body);
    await body.read();
    const frames = await publishFrames(hub, 20);
    const stats = hub.stats();
    expect(stats.evicted).toBe(1);
    expect(stats.connections).toBe(0);
    expect(stats.queuedBytes).toBe(0);
    expect((await hub.publish('default', { data: 'too late' })).delivered).toBe(0);
    const inQueue = framesTheQueueTakes(byteLength(frames[0]!), 1024);
    expect(await body.readToEnd()).toBe(RETRY + frames.slice(0, inQueue).join(''));
  });

  it('loses the oldest held events with the drop-oldest policy, and keeps its stream', async () => {
    const hub = hubFor({ maxBufferedBytes: 2048, slowClientPolicy: 'drop-oldest' });
    const body = new BodyReader((await sseResponse(get('/events'), { hub, highWaterMark: 1024 })).body);
    await body.read();
    const frames = await publishFrames(hub, 30);
    const size = byteLength(frames[0]!);
    const inQueue = framesTheQueueTakes(size, 1024);
    const held = Math.floor(2048 / size);
    expect(hub.stats().dropped).toBe(30 - inQueue - held);
    expect(hub.stats().connections).toBe(1);
    const expected = RETRY + frames.slice(0, inQueue).join('') + frames.slice(30 - held).join('');
    expect(await body.readUntil(expected.length)).toBe(expected);
    const live = await hub.publish('default', { data: 'live again' });
    expect(await body.readUntil(expected.length + 1)).toBe(expected + frame(live.id, 'live again'));
  });

  it('does not hold up a reader beside it', async () => {
    const hub = hubFor({ maxBufferedBytes: 2048 });
    const stalled = new BodyReader((await sseResponse(get('/events'), { hub, highWaterMark: 1024 })).body);
    const reading = new BodyReader((await sseResponse(get('/events'), { hub, highWaterMark: 1024 })).body);
    await Promise.all([stalled.read(), reading.read()]);
    let expected = RETRY;
    for (let n = 0; n < 40; n++) {
      const result = await hub.publish('default', { data: D(n) });
      expected += frame(result.id, D(n));
      expect(await reading.readUntil(expected.length)).toBe(expected);
    }
    expect(hub.stats().evicted).toBe(1);
    expect(hub.stats().connections).toBe(1);
  });
});
