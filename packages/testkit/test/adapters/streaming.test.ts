import {
  RETRY,
  describeEachAdapter,
  eventually,
  headHeaders,
  openClient,
  request,
  stable,
  streamHeaders,
  testHub,
  wireFrame,
} from '@ssekit/testkit';
import { expect, it } from 'vitest';

describeEachAdapter('a stream', (adapter) => {
  it('answers 200 with exactly the contract headers, Connection: keep-alive where ssekit frames it', async () => {
    const server = await adapter.serve(testHub());
    const client = await openClient(`${server.url}/events`);
    expect(client.status).toBe(200);
    expect(stable(client.headers)).toEqual(streamHeaders(adapter));
  });

  it('lets extra headers add to the contract ones but never replace them, whatever their case', async () => {
    const server = await adapter.serve(testHub(), {
      headers: {
        'Access-Control-Allow-Origin': '*',
        'Content-Type': 'text/plain',
        'cache-control': 'max-age=60',
        Connection: 'close',
      },
    });
    const client = await openClient(`${server.url}/events`);
    expect(stable(client.headers)).toEqual(streamHeaders(adapter, { 'access-control-allow-origin': '*' }));
  });

  it('flushes the retry hint at once, as the first bytes, with nothing published', async () => {
    const server = await adapter.serve(testHub());
    const client = await openClient(`${server.url}/events`);
    await client.waitFor((c) => c.raw.length > 0, 5000, 'the first bytes');
    expect(client.raw).toBe(RETRY);
    expect(client.bytes[0]?.toString('utf8')).toBe(RETRY);
  });

  it('sends the headers at once when the hub sends no retry hint', async () => {
    const hub = testHub({ retry: undefined });
    const server = await adapter.serve(hub);
    const client = await openClient(`${server.url}/events`);
    expect(client.status).toBe(200);
    expect(client.raw).toBe('');
    await eventually(() => hub.stats().connections === 1, 'the stream');
    const { id } = await hub.publish('default', { data: 'first' });
    await client.waitFor((c) => c.raw === `id: ${id}\ndata: first\n\n`, 5000, 'the first event');
  });

  it('sends the retry hint of the retry option instead of the hub default', async () => {
    const server = await adapter.serve(testHub(), { retry: 1500 });
    const client = await openClient(`${server.url}/events`);
    await client.waitFor((c) => c.raw.length > 0, 5000, 'the first bytes');
    expect(client.raw).toBe('retry: 1500\n');
  });

  it('delivers each event byte-exact as it is published, while the connection stays open', async () => {
    const hub = testHub();
    const server = await adapter.serve(hub);
    const client = await openClient(`${server.url}/events`, {}, RETRY);
    let expected = RETRY;
    const ids: string[] = [];
    const sent: [string | undefined, unknown, string][] = [
      ['tick', { n: 0 }, '{"n":0}'],
      ['headline', 'one\ntwo', 'one\ntwo'],
      [undefined, 'a\r\nb\rc', 'a\nb\nc'],
    ];
    for (const [event, data, parsed] of sent) {
      const { id, delivered } = await hub.publish('default', { event, data });
      expect(delivered).toBe(1);
      ids.push(id);
      expected += wireFrame(id, typeof data === 'string' ? data : parsed, event);
      await client.waitFor((c) => c.raw === expected, 5000, `the event ${id}`);
      expect(client.isEnded).toBe(false);
    }
    expect(client.events).toEqual(sent.map(([event, , data], n) => ({ event, data, id: ids[n] })));
  });

  it('ends open streams cleanly when the hub closes, after what was published and the farewell', async () => {
    const hub = testHub();
    const server = await adapter.serve(hub);
    const client = await openClient(`${server.url}/events`, {}, RETRY);
    const last = await hub.publish('default', { data: 'last' });
    await client.waitForEvents(1);
    await hub.close({ event: { event: 'bye', data: '' }, retry: 10_000 });
    await client.ended;
    expect(client.completed).toBe(true);
    expect(client.raw).toBe(`${RETRY}${wireFrame(last.id, 'last')}event: bye\ndata: \n\nretry: 10000\n`);
    expect(hub.stats().connections).toBe(0);
  });

  it('answers HEAD with the stream headers only, and subscribes nothing', async () => {
    const hub = testHub();
    const server = await adapter.serve(hub);
    const answer = await request(`${server.url}/events`, { method: 'HEAD' });
    expect(answer.status).toBe(200);
    expect(stable(answer.headers)).toEqual(headHeaders(adapter));
    expect(answer.text).toBe('');
    expect(hub.stats().connections).toBe(0);
    expect((await hub.publish('default', { data: 'nobody' })).delivered).toBe(0);
  });
});
