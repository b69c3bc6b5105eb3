import { describe, expect, it } from 'vitest';
import type { SseStream } from '@ssekit/core';
import { sseResponse } from '../src/index.js';
import { BodyReader, get, tick } from './support.js';

const quiet = { heartbeatMs: 0, writeTimeoutMs: 0 } as const;

describe('sseResponse with a handler', () => {
  it('answers 200 with the event-stream headers', () => {
    const response = sseResponse(get('/ticks'), () => undefined, { ...quiet, headers: { 'x-demo': '1' } });
    expect(response.status).toBe(200);
    expect([...response.headers]).toEqual([
      ['cache-control', 'no-cache, no-transform'],
      ['content-type', 'text/event-stream; charset=utf-8'],
      ['x-accel-buffering', 'no'],
      ['x-demo', '1'],
    ]);
  });

  it('runs the handler on the first read, and sends what it sends after the retry hint, byte-exact', async () => {
    let calls = 0;
    const response = sseResponse(
      get('/ticks'),
      (stream) => {
        calls++;
        stream.send({ id: '1', event: 'note', data: 'two\r\nlines' });
        stream.send({ data: { n: 2 } });
      },
      { ...quiet, retry: 100 },
    );
    await tick();
    expect(calls).toBe(0);
    const reader = new BodyReader(response.body);
    const expected = 'retry: 100\nevent: note\nid: 1\ndata: two\ndata: lines\n\ndata: {"n":2}\n\n';
    expect(await reader.read()).toBe('retry: 100\n');
    expect(calls).toBe(1);
    expect(await reader.readUntil(expected.length)).toBe(expected);
  });

  it('ends the body when the stream is closed', async () => {
    const response = sseResponse(
      get('/once'),
      (stream) => {
        stream.send({ data: 'only' });
        void stream.close();
      },
      quiet,
    );
    expect(await new BodyReader(response.body).readToEnd()).toBe('data: only\n\n');
  });

  it('aborts stream.signal with reason client when the body is cancelled', async () => {
    let opened: SseStream | undefined;
    const response = sseResponse(get('/ticks'), (stream) => void (opened = stream), { ...quiet, retry: 5 });
    const reader = new BodyReader(response.body);
    await reader.read();
    await reader.reader.cancel();
    expect(opened!.signal.aborted).toBe(true);
    expect(opened!.signal.reason).toBe('client');
    expect(opened!.send({ data: 'after' })).toBe(false);
  });

  it('aborts stream.signal with reason client when request.signal aborts', async () => {
    const controller = new AbortController();
    let opened: SseStream | undefined;
    const response = sseResponse(get('/ticks', { signal: controller.signal }), (stream) => void (opened = stream), {
      ...quiet,
      retry: 5,
    });
    const reader = new BodyReader(response.body);
    await reader.read();
    controller.abort();
    expect(opened!.signal.reason).toBe('client');
    expect(await reader.readToEnd()).toBe('retry: 5\n');
  });

  it('does not run the handler for a client already gone at the first read', async () => {
    const controller = new AbortController();
    let calls = 0;
    const response = sseResponse(
      get('/ticks', { signal: controller.signal }),
      () => {
        calls++;
      },
      quiet,
    );
    controller.abort();
    expect(await new BodyReader(response.body).readToEnd()).toBe('');
    expect(calls).toBe(0);
  });

  it('closes the stream with reason error and reports a handler that throws', async () => {
    const errors: unknown[] = [];
    let opened: SseStream | undefined;
    const boom = new Error('boom');
    const response = sseResponse(
      get('/ticks'),
      (stream) => {
        opened = stream;
        stream.send({ data: 'before' });
        throw boom;
      },
      { ...quiet, onError: (error) => errors.push(error) },
    );
    expect(await new BodyReader(response.body).readToEnd()).toBe('');
    expect(opened!.signal.reason).toBe('error');
    expect(errors).toEqual([boom]);
  });

  it('closes the stream with reason error and reports an async handler that rejects', async () => {
    const errors: unknown[] = [];
    let opened: SseStream | undefined;
    const boom = new Error('later');
    const response = sseResponse(
      get('/ticks'),
      async (stream) => {
        opened = stream;
        await tick();
        throw boom;
      },
      { ...quiet, retry: 1, onError: (error) => errors.push(error) },
    );
    expect(await new BodyReader(response.body).readToEnd()).toBe('retry: 1\n');
    expect(opened!.signal.reason).toBe('error');
    expect(errors).toEqual([boom]);
  });

  it('reports backpressure to the stream: a stopped reader leaves it unwritable, a read drains it', async () => {
    let opened: SseStream | undefined;
    const response = sseResponse(get('/ticks'), (stream) => void (opened = stream), {
      ...quiet,
      retry: 1,
      highWaterMark: 64,
    });
    const reader = new BodyReader(response.body);
    await reader.read();
    const stream = opened!;
    let expected = 'retry: 1\n';
    for (let n = 0; n < 6; n++) {
      stream.send({ data: `${n} ${'z'.repeat(30)}` });
      expected += `data: ${n} ${'z'.repeat(30)}\n\n`;
      await tick();
    }
    expect(stream.writable).toBe(false);
    expect(stream.bufferedBytes).toBeGreaterThan(0);
    expect(await reader.readUntil(expected.length)).toBe(expected);
    expect(stream.writable).toBe(true);
    expect(stream.bufferedBytes).toBe(0);
    await stream.close();
  });
});
