import { assertTopic } from '@ssekit/core';
import type { SsekitError } from '@ssekit/core';
import {
  RETRY,
  describeEachAdapter,
  messageOf,
  openClient,
  refusalBody,
  refusalHeaders,
  request,
  stable,
  testHub,
  wireFrame,
} from '@ssekit/testkit';
import { expect, it } from 'vitest';

const BAD_TOPIC = messageOf(() => {
  assertTopic('no spaces');
});

describeEachAdapter('topics', (adapter) => {
  it('subscribes to every ?topic= parameter, and to `default` without one', async () => {
    const hub = testHub();
    const server = await adapter.serve(hub);
    const both = await openClient(`${server.url}/events?topic=a&topic=b:c/d`, {}, RETRY);
    const plain = await openClient(`${server.url}/events`, {}, RETRY);
    expect(hub.stats().topics).toEqual({ a: 1, 'b:c/d': 1, default: 1 });
    expect((await hub.publish('c', { data: 'not for anyone' })).delivered).toBe(0);
    const b = await hub.publish('b:c/d', { data: 'on b' });
    const d = await hub.publish('default', { data: 'on default' });
    const a = await hub.publish('a', { data: 'on a' });
    await both.waitFor((c) => c.raw === RETRY + wireFrame(b.id, 'on b') + wireFrame(a.id, 'on a'), 5000, 'b then a');
    await plain.waitFor((c) => c.raw === RETRY + wireFrame(d.id, 'on default'), 5000, 'the default event');
  });

  it('takes the topics from a topics function of the request, ignoring ?topic=', async () => {
    const hub = testHub();
    const server = await adapter.serve(hub, {
      topics: (request) => [`room-${new URL(adapter.url(request), 'http://localhost').searchParams.get('room') ?? ''}`],
    });
    const client = await openClient(`${server.url}/events?room=blue&topic=ignored`, {}, RETRY);
    expect(hub.stats().topics).toEqual({ 'room-blue': 1 });
    await hub.publish('ignored', { data: 'not here' });
    const { id } = await hub.publish('room-blue', { data: 'extra' });
    await client.waitFor((c) => c.raw === RETRY + wireFrame(id, 'extra'), 5000, 'the room event');
  });

  it('answers 400 to a bad ?topic= before any stream byte', async () => {
    const hub = testHub();
    const server = await adapter.serve(hub);
    const queries = ['?topic=no%20spaces', '?topic=a&topic=', `?topic=${'x'.repeat(129)}`, '?topic=%00'];
    for (const query of queries) {
      const answer = await request(`${server.url}/events${query}`, { headers: { accept: 'text/event-stream' } });
      expect(answer.status, query).toBe(400);
      expect(answer.text, query).toBe(refusalBody(BAD_TOPIC));
      expect(stable(answer.headers), query).toEqual(refusalHeaders(answer.text));
    }
    expect(hub.stats().connections).toBe(0);
    const codes = server.errors.map((err) => (err as SsekitError).code);
    expect(codes).toEqual(adapter.errorChannel ? queries.map(() => 'invalid_topic') : []);
  });

  it('answers 400 to a topics function or authorize returning a bad topic, before any stream byte', async () => {
    const fromTopics = testHub();
    const first = await adapter.serve(fromTopics, { topics: () => ['bad topic'] });
    const fromAuthorize = testHub();
    const second = await adapter.serve(fromAuthorize, { authorize: () => ['bad topic'] });
    for (const server of [first, second]) {
      const answer = await request(`${server.url}/events`);
      expect(answer.status).toBe(400);
      expect(answer.text).toBe(refusalBody(BAD_TOPIC));
    }
    expect(fromTopics.stats().connections + fromAuthorize.stats().connections).toBe(0);
  });
});
