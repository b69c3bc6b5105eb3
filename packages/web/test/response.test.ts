import { describe, expect, it } from 'vitest';
import { errorResponse, sseResponse } from '../src/index.js';
import { BodyReader, RETRY, expectThrowsCode, frame, get, hubFor, tick } from './support.js';

describe('sseResponse on a hub', () => {
  it('answers 200 with the event-stream headers and no hop-by-hop header', () => {
    const response = sseResponse(get('/events'), { hub: hubFor() });
    expect(response.status).toBe(200);
    expect([...response.headers]).toEqual([
      ['cache-control', 'no-cache, no-transform'],
      ['content-type', 'text/event-stream; charset=utf-8'],
      ['x-accel-buffering', 'no'],
    ]);
  });

  it('adds extra headers, which cannot override the stream headers', () => {
    const response = sseResponse(get('/events'), {
      hub: hubFor(),
      headers: { 'access-control-allow-origin': '*', 'content-type': 'text/plain', 'cache-control': 'max-age=60' },
    });
    expect([...response.headers]).toEqual([
      ['access-control-allow-origin', '*'],
      ['cache-control', 'no-cache, no-transform'],
      ['content-type', 'text/event-stream; charset=utf-8'],
      ['x-accel-buffering', 'no'],
    ]);
  });

  it('subscribes on the first read, which the retry hint answers', async () => {
    const hub = hubFor();
    const response = sseResponse(get('/events'), { hub });
    await tick();
    expect(hub.stats().connections).toBe(0);
    const body = new BodyReader(response.body);
    expect(await body.read()).toBe(RETRY);
    expect(hub.stats().connections).toBe(1);
    const published = await hub.publish('default', { data: 'after the hint' });
    expect(published.delivered).toBe(1);
    expect(await body.read()).toBe(frame(published.id, 'after the hint'));
  });

  it('never subscribes for a response whose body nobody reads (Hono answers HEAD that way)', async () => {
    const hub = hubFor();
    const dropped = sseResponse(get('/events'), { hub });
    // What Hono does for HEAD: keep status and headers, drop the body.
    const head = new Response(null, dropped);
    await tick();
    expect(head.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(hub.stats().connections).toBe(0);
    expect((await hub.publish('default', { data: 'nobody' })).delivered).toBe(0);
  });

  it('takes its topics from every ?topic=, else `default`', async () => {
    const hub = hubFor();
    const two = new BodyReader(sseResponse(get('/events?topic=a&topic=b:c/d'), { hub }).body);
    const plain = new BodyReader(sseResponse(get('/events'), { hub }).body);
    await Promise.all([two.read(), plain.read()]);
    expect(hub.stats().topics).toEqual({ a: 1, 'b:c/d': 1, default: 1 });
  });

  it('takes topics from the option instead of the query', async () => {
    const hub = hubFor();
    const body = new BodyReader(sseResponse(get('/events?topic=ignored'), { hub, topics: ['chosen'] }).body);
    await body.read();
    expect(hub.stats().topics).toEqual({ chosen: 1 });
  });

  it('replays after the Last-Event-ID header, then continues live', async () => {
    const hub = hubFor();
    const sent = [];
    for (let i = 0; i < 4; i++) sent.push(await hub.publish('news', { data: `m${i}` }));
    const response = sseResponse(get('/events?topic=news', { headers: { 'last-event-id': sent[1]!.id } }), { hub });
    const body = new BodyReader(response.body);
    const replayed = RETRY + frame(sent[2]!.id, 'm2') + frame(sent[3]!.id, 'm3');
    expect(await body.readUntil(replayed.length)).toBe(replayed);
    const live = await hub.publish('news', { data: 'live' });
    expect(await body.readUntil(replayed.length + 1)).toBe(replayed + frame(live.id, 'live'));
  });

  it('takes the resume point from ?lastEventId= when there is no header, and the header first', async () => {
    const hub = hubFor();
    const sent = [];
    for (let i = 0; i < 3; i++) sent.push(await hub.publish('news', { data: `q${i}` }));
    const fromQuery = new BodyReader(sseResponse(get(`/events?topic=news&lastEventId=${sent[0]!.id}`), { hub }).body);
    const both = new BodyReader(
      sseResponse(get(`/events?topic=news&lastEventId=${sent[0]!.id}`, { headers: { 'last-event-id': sent[1]!.id } }), {
        hub,
      }).body,
    );
    const fromFirst = RETRY + frame(sent[1]!.id, 'q1') + frame(sent[2]!.id, 'q2');
    const fromSecond = RETRY + frame(sent[2]!.id, 'q2');
    expect(await fromQuery.readUntil(fromFirst.length)).toBe(fromFirst);
    expect(await both.readUntil(fromSecond.length)).toBe(fromSecond);
  });

  it('starts live with lastEventId: null, whatever the request says', async () => {
    const hub = hubFor();
    const old = await hub.publish('default', { data: 'old' });
    const body = new BodyReader(
      sseResponse(get('/events', { headers: { 'last-event-id': old.id } }), { hub, lastEventId: null }).body,
    );
    expect(await body.read()).toBe(RETRY);
    const live = await hub.publish('default', { data: 'new' });
    expect(await body.read()).toBe(frame(live.id, 'new'));
  });

  it('writes the retry option instead of the hub default', async () => {
    const body = new BodyReader(sseResponse(get('/events'), { hub: hubFor(), retry: 250 }).body);
    expect(await body.read()).toBe('retry: 250\n\n');
  });

  it('refuses a bad request by throwing before any Response exists, subscribing nothing', async () => {
    const hub = hubFor();
    expect(expectThrowsCode(() => sseResponse(get('/events?topic=a%20b'), { hub }), 'invalid_topic').status).toBe(400);
    expectThrowsCode(
      () => sseResponse(get('/events', { headers: { 'last-event-id': 'bad id' } }), { hub }),
      'invalid_last_event_id',
    );
    expectThrowsCode(
      () => sseResponse(get('/events?lastEventId=a%0D%0Aevent%3A%20x'), { hub }),
      'invalid_last_event_id',
    );
    expectThrowsCode(() => sseResponse(get('/events'), { hub, lastEventId: 'x'.repeat(129) }), 'invalid_last_event_id');
    expect(expectThrowsCode(() => sseResponse(get('/events'), { hub, topics: [] }), 'forbidden').status).toBe(403);
    expectThrowsCode(() => sseResponse(get('/events'), { hub, topics: ['ok', ''] }), 'invalid_topic');
    expectThrowsCode(() => sseResponse(get('/events'), { hub, highWaterMark: 0 }), 'invalid_option');
    await tick();
    expect(hub.stats().connections).toBe(0);
    await hub.close();
    expect(expectThrowsCode(() => sseResponse(get('/events'), { hub }), 'closed').status).toBe(503);
  });

  it('ends the body quietly when the hub closed between the Response and its first read', async () => {
    const hub = hubFor();
    const response = sseResponse(get('/events'), { hub });
    await hub.close();
    const body = new BodyReader(response.body);
    expect(await body.readToEnd()).toBe('');
  });
});

describe('errorResponse', () => {
  it('answers an SsekitError with its status and message as JSON', async () => {
    const hub = hubFor();
    let caught: unknown;
    try {
      sseResponse(get('/events?topic=%00'), { hub });
    } catch (err) {
      caught = err;
    }
    const response = errorResponse(caught);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.text()).toBe(
      JSON.stringify({ error: 'ssekit: a topic must be 1 to 128 characters of A-Z a-z 0-9 . _ ~ : / @ + -.' }),
    );
  });

  it('hides the message of anything that is not a client error', async () => {
    const response = errorResponse(new Error('database password is hunter2'));
    expect(response.status).toBe(500);
    expect(await response.text()).toBe('{"error":"ssekit: internal error"}');
  });
});
