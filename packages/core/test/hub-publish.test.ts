import { afterEach, describe, expect, it } from 'vitest';
import { ID_PATTERN, MemoryBus, parseLastEventId } from '../src/index.js';
import { RecordingStore, block, expectRejectsCode, expectThrowsCode } from './support/helpers.js';
import { closeHubs, hubFor } from './support/hubs.js';
import { RETRY, TestSink, settle } from './support/test-sink.js';

afterEach(closeHubs);

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
