import { describe, expect, it } from 'vitest';
import { errorResponse, sseResponse } from '../src/index.js';
import { BodyReader, RETRY, call, frame, get, hubFor, refusalOf, tick } from './support.js';

describe('sseResponse on a hub', () => {
  it('answers 200 with the event-stream headers and no hop-by-hop header', async () => {
    const response = await sseResponse(get('/events'), { hub: hubFor() });
    expect(response.status).toBe(200);
    expect([...response.headers]).toEqual([
      ['cache-control', 'no-cache, no-transform'],
      ['content-type', 'text/event-stream; charset=utf-8'],
      ['x-accel-buffering', 'no'],
    ]);
  });

  it('adds extra headers, which cannot override the stream headers', async () => {
    const response = await sseResponse(get('/events'), {
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
    const response = await sseResponse(get('/events'), { hub });
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
    const dropped = await sseResponse(get('/events'), { hub });
    // What Hono does for HEAD: keep status and headers, drop the body.
    const head = new Response(null, dropped);
    await tick();
    expect(head.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(hub.stats().connections).toBe(0);
    expect((await hub.publish('default', { data: 'nobody' })).delivered).toBe(0);
  });

  it('starts live with lastEventId: null, whatever the request says', async () => {
    const hub = hubFor();
    const old = await hub.publish('default', { data: 'old' });
    const body = new BodyReader(
      (await sseResponse(get('/events', { headers: { 'last-event-id': old.id } }), { hub, lastEventId: null })).body,
    );
    expect(await body.read()).toBe(RETRY);
    const live = await hub.publish('default', { data: 'new' });
    expect(await body.read()).toBe(frame(live.id, 'new'));
  });

  it('rejects a bad request before any Response exists, subscribing nothing', async () => {
    const hub = hubFor();
    const topic = await refusalOf(sseResponse(get('/events?topic=a%20b'), { hub }), 'invalid_topic');
    expect(topic.status).toBe(400);
    await refusalOf(
      sseResponse(get('/events', { headers: { 'last-event-id': 'bad id' } }), { hub }),
      'invalid_last_event_id',
    );
    await refusalOf(sseResponse(get('/events?lastEventId=a%0D%0Aevent%3A%20x'), { hub }), 'invalid_last_event_id');
    await refusalOf(sseResponse(get('/events'), { hub, lastEventId: 'x'.repeat(129) }), 'invalid_last_event_id');
    const none = await refusalOf(sseResponse(get('/events'), { hub, authorize: () => [] }), 'forbidden');
    expect(none.status).toBe(403);
    await tick();
    expect(hub.stats().connections).toBe(0);
    await hub.close();
    expect((await refusalOf(sseResponse(get('/events'), { hub }), 'closed')).status).toBe(503);
  });

  it('refuses bad options on first use of the options object', async () => {
    const hub = hubFor();
    // Checked when the options are first used, as sseHandler checks them when it is made.
    await refusalOf(
      call(() => sseResponse(get('/events'), { hub, topics: [] })),
      'invalid_option',
    );
    await refusalOf(
      call(() => sseResponse(get('/events'), { hub, topics: ['ok', ''] })),
      'invalid_option',
    );
    await refusalOf(
      call(() => sseResponse(get('/events'), { hub, highWaterMark: 0 })),
      'invalid_option',
    );
    expect(hub.stats().connections).toBe(0);
  });

  it('ends the body quietly when the hub closed between the Response and its first read', async () => {
    const hub = hubFor();
    const response = await sseResponse(get('/events'), { hub });
    await hub.close();
    const body = new BodyReader(response.body);
    expect(await body.readToEnd()).toBe('');
  });
});

describe('errorResponse', () => {
  it('answers an SsekitError with its status and message as JSON', async () => {
    const hub = hubFor();
    const caught = await refusalOf(sseResponse(get('/events?topic=%00'), { hub }), 'invalid_topic');
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
