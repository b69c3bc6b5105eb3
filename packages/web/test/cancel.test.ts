import { describe, expect, it } from 'vitest';
import type { CloseReason, Hub, Sink, Subscription } from '@ssekit/core';
import { sseBody, sseResponse } from '../src/index.js';
import { BodyReader, RETRY, frame, get, hubFor, tick } from './support.js';

/** A hub subscription under a body whose sink records every `end()`. */
function countedBody(
  hub: Hub,
  signal?: AbortSignal,
): { body: ReadableStream<Uint8Array>; ends: CloseReason[]; subscription: () => Subscription } {
  const ends: CloseReason[] = [];
  let subscription: Subscription | undefined;
  const body = sseBody(
    (sink: Sink) => {
      subscription = hub.subscribe(
        {
          write: (chunk) => sink.write(chunk),
          end: (reason) => {
            ends.push(reason);
            return sink.end(reason);
          },
        },
        { signal },
      );
      return subscription;
    },
    { highWaterMark: 1024 },
  );
  return { body, ends, subscription: () => subscription! };
}

describe('the client going away', () => {
  it('cancelling the body ends the subscription once, with reason client', async () => {
    const hub = hubFor();
    const controller = new AbortController();
    const { body, ends, subscription } = countedBody(hub, controller.signal);
    const reader = new BodyReader(body);
    expect(await reader.read()).toBe(RETRY);
    expect(hub.stats().connections).toBe(1);
    await reader.reader.cancel();
    expect(hub.stats().connections).toBe(0);
    expect(subscription().signal.reason).toBe('client');
    // Every other ending that could follow finds the stream already cleaned up.
    controller.abort();
    await subscription().close('server');
    await hub.close();
    expect(ends).toEqual(['client']);
    expect(hub.stats().connections).toBe(0);
    expect(hub.stats().evicted).toBe(0);
  });

  it('request.signal aborting ends the subscription once, and the body ends', async () => {
    const hub = hubFor();
    const controller = new AbortController();
    const { body, ends, subscription } = countedBody(hub, controller.signal);
    const reader = new BodyReader(body);
    await reader.read();
    controller.abort();
    expect(hub.stats().connections).toBe(0);
    expect(subscription().signal.reason).toBe('client');
    expect(await reader.readToEnd()).toBe(RETRY);
    await reader.reader.cancel();
    expect(ends).toEqual(['client']);
  });

  it('sseResponse watches request.signal', async () => {
    const hub = hubFor();
    const controller = new AbortController();
    const response = await sseResponse(get('/events', { signal: controller.signal }), { hub });
    const reader = new BodyReader(response.body);
    await reader.read();
    expect(hub.stats().connections).toBe(1);
    controller.abort();
    expect(hub.stats().connections).toBe(0);
    expect(await reader.readToEnd()).toBe(RETRY);
  });

  it('sseResponse unsubscribes when the runtime cancels its body', async () => {
    const hub = hubFor();
    const response = await sseResponse(get('/events'), { hub });
    const reader = new BodyReader(response.body);
    await reader.read();
    await reader.reader.cancel(new Error('socket closed'));
    expect(hub.stats().connections).toBe(0);
    expect((await hub.publish('default', { data: 'gone' })).delivered).toBe(0);
  });

  it('a body cancelled before its first read never subscribes', async () => {
    const hub = hubFor();
    const response = await sseResponse(get('/events'), { hub });
    await response.body!.cancel();
    await tick();
    expect(hub.stats().connections).toBe(0);
  });

  it('a request aborted before the first read leaves the hint and an ended body', async () => {
    const hub = hubFor();
    const controller = new AbortController();
    const response = await sseResponse(get('/events', { signal: controller.signal }), { hub });
    controller.abort();
    const reader = new BodyReader(response.body);
    expect(await reader.readToEnd()).toBe(RETRY);
    expect(hub.stats().connections).toBe(0);
  });

  it('nothing throws when the body is cancelled with writes queued and publishes in flight', async () => {
    const hub = hubFor({ maxBufferedBytes: 64 * 1024 });
    const { body, ends } = countedBody(hub);
    const reader = new BodyReader(body);
    await reader.read();
    // Fill the queue and the hub's backlog without reading.
    for (let n = 0; n < 20; n++) await hub.publish('default', { data: 'y'.repeat(200) });
    expect(hub.stats().queuedBytes).toBeGreaterThan(0);
    const inFlight = Array.from({ length: 5 }, (_, n) => hub.publish('default', { data: `late ${n}` }));
    await reader.reader.cancel();
    const late = await Promise.all(inFlight);
    expect(late.map((result) => result.delivered)).toEqual([0, 0, 0, 0, 0]);
    expect(ends).toEqual(['client']);
    expect(hub.stats().queuedBytes).toBe(0);
    expect(hub.stats().connections).toBe(0);
  });

  it('a sink whose body was cancelled answers false instead of throwing', async () => {
    let sink: Sink | undefined;
    const closes: (CloseReason | undefined)[] = [];
    const body = sseBody(
      (s) => {
        sink = s;
        return {
          drained: () => undefined,
          close: (reason) => {
            closes.push(reason);
            return Promise.resolve();
          },
        };
      },
      { highWaterMark: 1024 },
    );
    const reader = body.getReader();
    const first = reader.read();
    await tick();
    expect(sink!.write(new Uint8Array([58, 10]))).toBe(true);
    await first;
    await reader.cancel();
    expect(closes).toEqual(['client']);
    expect(sink!.write(new Uint8Array([58, 10]))).toBe(false);
    expect(() => sink!.end('server')).not.toThrow();
    expect(closes).toEqual(['client']);
  });
});

describe('server-side endings', () => {
  it('hub.close() sends the farewell, then ends the body', async () => {
    const hub = hubFor();
    const reader = new BodyReader((await sseResponse(get('/events'), { hub })).body);
    await reader.read();
    const last = await hub.publish('default', { data: 'last' });
    await hub.close({ event: { event: 'bye', data: '' }, retry: 10 });
    expect(await reader.readToEnd()).toBe(RETRY + frame(last.id, 'last') + 'event: bye\ndata: \n\nretry: 10\n');
  });

  it('closing the subscription ends the body after what is queued', async () => {
    const hub = hubFor();
    const { body, ends, subscription } = countedBody(hub);
    const reader = new BodyReader(body);
    await reader.read();
    subscription().send({ event: 'only-you', data: 'hello' });
    await subscription().close();
    expect(await reader.readToEnd()).toBe(RETRY + 'event: only-you\ndata: hello\n\n');
    expect(ends).toEqual(['server']);
  });
});
