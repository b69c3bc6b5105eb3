import { afterEach, describe, expect, it } from 'vitest';
import { closeHubs, hubFor } from './support/hubs.js';
import { TestSink } from './support/test-sink.js';

afterEach(closeHubs);

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
