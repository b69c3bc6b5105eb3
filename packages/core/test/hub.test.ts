import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { ID_PATTERN, MemoryBus, createHub, parseLastEventId } from '../src/index.js';
import type { Hub, HubOptions } from '../src/index.js';
import { RecordingStore, block, expectRejectsCode, expectThrowsCode, gate } from './support/helpers.js';
import { RETRY, TestSink, settle } from './support/test-sink.js';

const hubs: { close(): Promise<void> }[] = [];

/** A hub closed after each test, so no timer outlives it. */
function hubFor<T extends object = Record<string, unknown>>(options: HubOptions = {}): Hub<T> {
  const hub = createHub<T>({ heartbeatMs: 0, writeTimeoutMs: 0, ...options });
  hubs.push(hub);
  return hub;
}

afterEach(async () => {
  await Promise.all(hubs.splice(0).map((hub) => hub.close()));
});

describe('publish', () => {
  it('resolves to the id on the wire and the number of streams it reached', async () => {
    const hub = hubFor();
    const a = new TestSink();
    const b = new TestSink();
    const other = new TestSink();
    hub.subscribe(a, { topics: ['news'] });
    hub.subscribe(b, { topics: ['news'] });
    hub.subscribe(other, { topics: ['sport'] });

    const result = await hub.publish('news', { event: 'headline', data: 'Hello' });

    expect(result).toEqual({ id: result.id, delivered: 2 });
    expect(a.text).toBe(RETRY + block(result.id, { event: 'headline', data: 'Hello' }));
    expect(b.text).toBe(RETRY + block(result.id, { event: 'headline', data: 'Hello' }));
    expect(other.text).toBe(RETRY);
  });

  it('resolves with delivered 0 when nobody listens, and still stores the event', async () => {
    const hub = hubFor();
    const first = await hub.publish('empty', { data: 'x' });
    expect(first.delivered).toBe(0);
    expect(hub.stats().published).toBe(1);

    const sink = new TestSink();
    const stream = hub.subscribe(sink, { topics: ['empty'], lastEventId: parseLastEventId(first.id) });
    await stream.ready;
    const second = await hub.publish('empty', { data: 'y' });
    expect(second.delivered).toBe(1);
    expect(sink.text).toBe(RETRY + block(second.id, { data: 'y' }));
  });

  it('encodes a broadcast once: every subscriber is handed the same bytes', async () => {
    const hub = hubFor();
    const sinks = [new TestSink(), new TestSink(), new TestSink()];
    for (const sink of sinks) hub.subscribe(sink, { topics: ['t'] });

    const { id } = await hub.publish('t', { event: 'tick', data: { n: 1 } });

    const [first, ...rest] = sinks.map((sink) => sink.chunks[1]);
    expect(first).toBeInstanceOf(Uint8Array);
    for (const chunk of rest) expect(chunk).toBe(first);
    expect(new TextDecoder().decode(first)).toBe(block(id, { event: 'tick', data: '{"n":1}' }));
  });

  it('sends what several publishes of one synchronous turn leave as one write per subscriber', async () => {
    const hub = hubFor();
    const a = new TestSink();
    const b = new TestSink();
    hub.subscribe(a, { topics: ['t'] });
    hub.subscribe(b, { topics: ['t'] });

    const results = await Promise.all([
      hub.publish('t', { data: 'one' }),
      hub.publish('t', { data: 'two' }),
      hub.publish('t', { data: 'three' }),
    ]);

    const expected = results.map((r, i) => block(r.id, { data: ['one', 'two', 'three'][i]! })).join('');
    expect(a.writes).toEqual([RETRY, expected]);
    expect(b.writes).toEqual([RETRY, expected]);
    expect(results.map((r) => r.delivered)).toEqual([2, 2, 2]);
  });

  it('sends publishes of later turns as later writes', async () => {
    const hub = hubFor();
    const sink = new TestSink();
    hub.subscribe(sink, { topics: ['t'] });
    const one = await hub.publish('t', { data: '1' });
    const two = await hub.publish('t', { data: '2' });
    expect(sink.writes).toEqual([RETRY, block(one.id, { data: '1' }), block(two.id, { data: '2' })]);
  });

  it('assigns ids that increase per topic and are short URL-safe strings', async () => {
    const hub = hubFor();
    const ids = new Map<string, string[]>([
      ['a', []],
      ['b', []],
    ]);
    for (let i = 0; i < 30; i++) {
      const topic = i % 3 === 0 ? 'b' : 'a';
      const { id } = await hub.publish(topic, { data: i });
      ids.get(topic)!.push(id);
    }
    const all = [...ids.values()].flat();
    expect(new Set(all).size).toBe(30);
    for (const list of ids.values()) {
      for (const id of list) {
        expect(id).toMatch(ID_PATTERN);
        expect(id).toMatch(/^[A-Za-z0-9._~-]{1,128}$/);
      }
      for (let i = 1; i < list.length; i++) {
        expect(BigInt(list[i]!) > BigInt(list[i - 1]!)).toBe(true);
        // Fixed width, so they sort as strings too.
        expect(list[i]!.length).toBe(list[i - 1]!.length);
        expect(list[i]! > list[i - 1]!).toBe(true);
      }
    }
  });

  it('uses a valid caller-given id as is', async () => {
    const hub = hubFor();
    const sink = new TestSink();
    hub.subscribe(sink, { topics: ['t'] });
    const id = 'Order-42.v1~x_Y';
    const result = await hub.publish('t', { event: 'order', data: 'paid', id });
    expect(result).toEqual({ id, delivered: 1 });
    expect(sink.text).toBe(RETRY + `id: ${id}\nevent: order\ndata: paid\n\n`);
    const longest = 'z'.repeat(128);
    expect((await hub.publish('t', { data: 'x', id: longest })).id).toBe(longest);
  });

  it.each([
    ['empty', ''],
    ['a space', 'a b'],
    ['a line feed', 'a\nb'],
    ['a carriage return', 'a\rb'],
    ['a NUL', 'a\0b'],
    ['a colon', 'a:b'],
    ['a slash', 'a/b'],
    ['a non-ASCII letter', 'caf\u00e9'],
    ['a lone surrogate', 'a\uD800'],
    ['129 characters', 'x'.repeat(129)],
  ])('refuses a caller-given id with %s, storing and delivering nothing', async (_label, id) => {
    const store = new RecordingStore();
    const hub = hubFor({ store });
    const sink = new TestSink();
    hub.subscribe(sink, { topics: ['t'] });

    await expectRejectsCode(hub.publish('t', { data: 'x', id }), 'invalid_field');
    await settle();

    expect(store.appends).toEqual([]);
    expect(sink.text).toBe(RETRY);
    expect(hub.stats()).toMatchObject({ published: 0, delivered: 0 });
  });

  it.each(['ssekit-reset', 'ssekit-', 'ssekit-custom'])(
    'refuses the reserved event name %j, storing and delivering nothing',
    async (name) => {
      const store = new RecordingStore();
      const hub = hubFor({ store });
      const sink = new TestSink();
      hub.subscribe(sink, { topics: ['t'] });

      await expectRejectsCode(hub.publish('t', { event: name, data: 'x' }), 'invalid_field');
      await settle();

      expect(store.appends).toEqual([]);
      expect(sink.text).toBe(RETRY);
      expect(hub.stats().published).toBe(0);
    },
  );

  it('refuses event fields the encoder refuses and missing data, storing nothing', async () => {
    const store = new RecordingStore();
    const hub = hubFor({ store });
    await expectRejectsCode(hub.publish('t', { event: 'a\nb', data: 'x' }), 'invalid_field');
    await expectRejectsCode(hub.publish('t', { event: 'a', data: undefined }), 'invalid_field');
    await expectRejectsCode(hub.publish('t', { event: 'a', data: 10n }), 'invalid_field');
    expect(store.appends).toEqual([]);
  });

  it.each([
    ['empty', ''],
    ['a space', 'a b'],
    ['a line feed', 'a\n'],
    ['a question mark', 'a?b'],
    ['a non-ASCII letter', 't\u00f3pic'],
    ['129 characters', 't'.repeat(129)],
  ])('refuses a topic with %s on publish and on subscribe', async (_label, topic) => {
    const store = new RecordingStore();
    const hub = hubFor({ store });
    await expectRejectsCode(hub.publish(topic, { data: 'x' }), 'invalid_topic');
    expect(store.appends).toEqual([]);

    const sink = new TestSink();
    expectThrowsCode(() => hub.subscribe(sink, { topics: ['fine', topic] }), 'invalid_topic');
    expect(sink.chunks).toEqual([]);
    expect(sink.ends).toEqual([]);
    expect(hub.stats()).toMatchObject({ connections: 0, topics: {} });
  });

  it('accepts every character of the topic grammar', async () => {
    const hub = hubFor();
    const topic = 'Az09._~:/@+-';
    const sink = new TestSink();
    hub.subscribe(sink, { topics: [topic, 't'.repeat(128)] });
    const { id } = await hub.publish(topic, { data: 'ok' });
    expect(sink.text).toBe(RETRY + block(id, { data: 'ok' }));
  });

  it('serializes non-string data as JSON and splits multi-line strings into data lines', async () => {
    const hub = hubFor();
    const sink = new TestSink();
    hub.subscribe(sink, { topics: ['t'] });
    const a = await hub.publish('t', { data: { s: 'x\ny', n: [1, null] } });
    const b = await hub.publish('t', { event: 'multi', data: 'one\r\ntwo\rthree\nfour' });
    expect(sink.text).toBe(
      RETRY +
        `id: ${a.id}\ndata: {"s":"x\\ny","n":[1,null]}\n\n` +
        `id: ${b.id}\nevent: multi\ndata: one\ndata: two\ndata: three\ndata: four\n\n`,
    );
  });

  it('uses the serialize option for non-string data', async () => {
    const hub = hubFor({ serialize: (data) => `<${String(data)}>` });
    const sink = new TestSink();
    hub.subscribe(sink, { topics: ['t'] });
    const { id } = await hub.publish('t', { data: 7 });
    expect(sink.text).toBe(RETRY + block(id, { data: '<7>' }));
  });

  it('crosses hubs that share a bus; delivered counts this process only', async () => {
    const bus = new MemoryBus();
    const store = new RecordingStore();
    const one = hubFor({ bus, store });
    const two = hubFor({ bus, store });
    const a = new TestSink();
    const b = new TestSink();
    const c = new TestSink();
    one.subscribe(a, { topics: ['t'] });
    two.subscribe(b, { topics: ['t'] });
    two.subscribe(c, { topics: ['t'] });

    const result = await one.publish('t', { data: 'shared' });

    expect(result.delivered).toBe(1);
    for (const sink of [a, b, c]) expect(sink.text).toBe(RETRY + block(result.id, { data: 'shared' }));
    expect(one.stats()).toMatchObject({ published: 1, delivered: 1 });
    expect(two.stats()).toMatchObject({ published: 0, delivered: 2 });
  });
});

describe('subscribe', () => {
  it('writes the retry hint first, at once, on every stream', () => {
    const hub = hubFor();
    const sinks = [new TestSink(), new TestSink()];
    hub.subscribe(sinks[0]!, { topics: ['a'] });
    hub.subscribe(sinks[1]!, { topics: ['b'], lastEventId: parseLastEventId('whatever') });
    // Synchronously: before any publish or replay.
    for (const sink of sinks) expect(sink.writes).toEqual([RETRY]);
  });

  it('takes the retry hint from the hub, the subscription, or sends none', () => {
    const fromHub = new TestSink();
    hubFor({ retry: 1500 }).subscribe(fromHub);
    expect(fromHub.writes).toEqual(['retry: 1500\n']);

    const perStream = new TestSink();
    hubFor({ retry: 1500 }).subscribe(perStream, { retry: 250 });
    expect(perStream.writes).toEqual(['retry: 250\n']);

    const none = new TestSink();
    hubFor({ retry: undefined }).subscribe(none);
    expect(none.writes).toEqual([]);
  });

  it('refuses a retry option that is not a non-negative integer', () => {
    expectThrowsCode(() => createHub({ retry: -1 }), 'invalid_option');
    expectThrowsCode(() => createHub({ retry: 1.5 }), 'invalid_option');
  });

  it('subscribes to the default topic when given none', async () => {
    const hub = hubFor();
    const sink = new TestSink();
    const stream = hub.subscribe(sink);
    expect(stream.topics).toEqual(['default']);
    const { id } = await hub.publish('default', { data: 'd' });
    expect(sink.text).toBe(RETRY + block(id, { data: 'd' }));
  });

  it('delivers a multi-topic subscriber every event of its topics, once, in publish order', async () => {
    const hub = hubFor();
    const sink = new TestSink();
    const stream = hub.subscribe(sink, { topics: ['a', 'b', 'a'] });
    expect(stream.topics).toEqual(['a', 'b']);
    const r1 = await hub.publish('a', { data: '1' });
    const r2 = await hub.publish('c', { data: 'not mine' });
    const r3 = await hub.publish('b', { data: '3' });
    const r4 = await hub.publish('a', { data: '4' });
    expect(r2.delivered).toBe(0);
    expect(sink.text).toBe(
      RETRY + block(r1.id, { data: '1' }) + block(r3.id, { data: '3' }) + block(r4.id, { data: '4' }),
    );
  });

  it('lets the application send to one stream only', async () => {
    const hub = hubFor<{ hello: { name: string } }>();
    const a = new TestSink();
    const b = new TestSink();
    const stream = hub.subscribe(a, { topics: ['t'] });
    hub.subscribe(b, { topics: ['t'] });
    expect(stream.send({ event: 'hello', data: { name: 'a' } })).toBe(true);
    await settle();
    expect(a.text).toBe(RETRY + 'event: hello\ndata: {"name":"a"}\n\n');
    expect(b.text).toBe(RETRY);
  });

  it('ends the stream with reason client when its AbortSignal aborts, and forgets the listener', async () => {
    const hub = hubFor();
    const sink = new TestSink();
    const controller = new AbortController();
    const stream = hub.subscribe(sink, { topics: ['t'], signal: controller.signal });
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);

    controller.abort();
    await settle();

    expect(sink.ends).toEqual(['client']);
    expect(stream.closed).toBe(true);
    expect(stream.signal.aborted).toBe(true);
    expect(stream.signal.reason).toBe('client');
    expect(hub.stats()).toMatchObject({ connections: 0, topics: {} });
    expect((await hub.publish('t', { data: 'late' })).delivered).toBe(0);
    expect(sink.text).toBe(RETRY);
  });

  it('removes its listener from a long-lived AbortSignal when the stream ends another way', async () => {
    const hub = hubFor();
    const controller = new AbortController();
    for (let i = 0; i < 5; i++) {
      const stream = hub.subscribe(new TestSink(), { signal: controller.signal });
      await stream.close('client');
    }
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('ends the stream at once for an already aborted signal', () => {
    const hub = hubFor();
    const sink = new TestSink();
    const controller = new AbortController();
    controller.abort();
    const stream = hub.subscribe(sink, { signal: controller.signal, lastEventId: parseLastEventId('1') });
    expect(stream.closed).toBe(true);
    expect(sink.ends).toEqual(['client']);
    expect(hub.stats().connections).toBe(0);
  });
});

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

describe('close', () => {
  it('sends the last event and retry hint, ends every stream, and resolves', async () => {
    const hub = hubFor();
    const a = new TestSink();
    const b = new TestSink();
    const sa = hub.subscribe(a, { topics: ['x'] });
    const sb = hub.subscribe(b, { topics: ['y'] });

    await hub.close({ event: { event: 'bye', data: { at: 1 } }, retry: 10_000 });

    const farewell = 'event: bye\ndata: {"at":1}\n\nretry: 10000\n';
    expect(a.text).toBe(RETRY + farewell);
    expect(b.text).toBe(RETRY + farewell);
    expect(a.ends).toEqual(['shutdown']);
    expect(b.ends).toEqual(['shutdown']);
    expect(sa.signal.reason).toBe('shutdown');
    expect(sb.closed).toBe(true);
    expect(hub.closed).toBe(true);
    expect(hub.stats()).toMatchObject({ connections: 0, topics: {} });
  });

  it('sends only what it is given', async () => {
    const onlyRetry = new TestSink();
    const h1 = hubFor();
    h1.subscribe(onlyRetry);
    await h1.close({ retry: 0 });
    expect(onlyRetry.text).toBe(RETRY + 'retry: 0\n');

    const nothing = new TestSink();
    const h2 = hubFor();
    h2.subscribe(nothing);
    await h2.close();
    expect(nothing.text).toBe(RETRY);
    expect(nothing.ends).toEqual(['shutdown']);
  });

  it('flushes what is still queued for a draining stream before it ends', async () => {
    const hub = hubFor();
    const sink = new TestSink();
    const stream = hub.subscribe(sink);
    // Queued now; its flush would run at the end of this turn, after the close below.
    stream.send({ event: 'queued', data: 'q' });
    await hub.close({ retry: 5 });
    expect(sink.writes).toEqual([RETRY, 'event: queued\ndata: q\n\nretry: 5\n']);
    expect(sink.ends).toEqual(['shutdown']);
  });

  it('waits for every sink to finish ending', async () => {
    const hub = hubFor();
    const sink = new TestSink();
    let finish!: () => void;
    sink.endResult = new Promise<void>((resolve) => {
      finish = resolve;
    });
    hub.subscribe(sink);
    let resolved = false;
    const closing = hub.close().then(() => {
      resolved = true;
    });
    await settle();
    expect(sink.ends).toEqual(['shutdown']);
    expect(resolved).toBe(false);
    finish();
    await closing;
    expect(resolved).toBe(true);
  });

  it('ends a stream whose transport is full without writing to it', async () => {
    const hub = hubFor();
    const sink = new TestSink();
    sink.block();
    const stream = hub.subscribe(sink, { topics: ['t'] }); // the retry write fills it
    sink.control = stream;
    await hub.publish('t', { data: 'held' });
    expect(hub.stats().queuedBytes).toBeGreaterThan(0);
    await hub.close({ event: { data: 'bye' } });
    expect(sink.text).toBe(RETRY);
    expect(sink.ends).toEqual(['shutdown']);
    expect(hub.stats().queuedBytes).toBe(0);
  });

  it('refuses publish and subscribe afterwards with code closed, and returns the same promise twice', async () => {
    const hub = hubFor();
    const first = hub.close();
    expect(hub.close()).toBe(first);
    await first;
    const error = await expectRejectsCode(hub.publish('t', { data: 'x' }), 'closed');
    expect(error.status).toBe(503);
    const sink = new TestSink();
    expectThrowsCode(() => hub.subscribe(sink), 'closed');
    expect(sink.chunks).toEqual([]);
    expect(hub.stats().published).toBe(0);
  });

  it('resolves a publish in flight when the hub closes, delivered to no stream', async () => {
    const hub = hubFor();
    const sink = new TestSink();
    hub.subscribe(sink, { topics: ['t'] });
    const publishing = hub.publish('t', { data: 'x' });
    await hub.close();
    // It passed the closed check before close(), so it is stored and resolves; the streams
    // had already ended.
    expect(await publishing).toEqual({ id: expect.stringMatching(ID_PATTERN) as unknown, delivered: 0 });
    expect(sink.text).toBe(RETRY);
  });
});

describe('close, with a publish in flight', () => {
  it('settles a publish whose store append outlasts hub.close, without waiting for an echo', async () => {
    const store = new RecordingStore();
    const appending = gate();
    store.holdAppend = appending;
    const hub = hubFor({ store });
    const sink = new TestSink();
    hub.subscribe(sink, { topics: ['t'] });
    let outcome: unknown = 'pending';
    const publishing = hub.publish('t', { data: 'x' }).then(
      (result) => (outcome = result),
      (error: unknown) => (outcome = error),
    );
    await settle();
    await hub.close();
    appending.open();
    await settle();

    // Stored before the close finished, so it resolves (delivered to no stream); it must not
    // hang on an echo that the closed hub will never receive.
    expect(outcome).toEqual({ id: expect.stringMatching(ID_PATTERN) as unknown, delivered: 0 });
    await publishing;
    expect(sink.text).toBe(RETRY);
  });
});

describe('stats', () => {
  it('counts connections per topic, publishes and deliveries', async () => {
    const hub = hubFor();
    expect(hub.stats()).toEqual({
      connections: 0,
      topics: {},
      published: 0,
      delivered: 0,
      dropped: 0,
      evicted: 0,
      replayed: 0,
      replayMisses: 0,
      queuedBytes: 0,
      rejected: 0,
      errors: 0,
    });
    const s1 = hub.subscribe(new TestSink(), { topics: ['a', 'b'] });
    hub.subscribe(new TestSink(), { topics: ['a'] });
    hub.subscribe(new TestSink(), { topics: ['c'] });
    await hub.publish('a', { data: 1 });
    await hub.publish('b', { data: 2 });
    await hub.publish('z', { data: 3 });
    expect(hub.stats()).toEqual({
      connections: 3,
      topics: { a: 2, b: 1, c: 1 },
      published: 3,
      delivered: 3,
      dropped: 0,
      evicted: 0,
      replayed: 0,
      replayMisses: 0,
      queuedBytes: 0,
      rejected: 0,
      errors: 0,
    });
    await s1.close('client');
    expect(hub.stats()).toMatchObject({ connections: 2, topics: { a: 1, c: 1 } });
  });
});
