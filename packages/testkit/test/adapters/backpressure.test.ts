import { RETRY, connectionsOf, describeEachAdapter, eventually, openClient, testHub } from '@ssekit/testkit';
import { expect, it } from 'vitest';

const BUDGET = 256 * 1024;
const PAYLOAD = 'x'.repeat(16 * 1024);
/** Far more than loopback buffers can hold (a few MiB), so the loop always ends by eviction. */
const MAX_EVENTS = 4000;

/** Resolves within `ms` or rejects saying what did not settle. */
async function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

describeEachAdapter('a client that stops reading', (adapter) => {
  it('is held to its budget and evicted, without slowing the other subscriber', async () => {
    const streams: { readonly bufferedBytes: number; readonly closed: boolean }[] = [];
    const hub = testHub({
      writeTimeoutMs: 0,
      maxBufferedBytes: BUDGET,
      replaySize: 4,
      hooks: { connect: (stream) => void streams.push(stream) },
    });
    const server = await adapter.serve(hub);
    const slow = await openClient(`${server.url}/events`, {}, RETRY);
    const fast = await openClient(`${server.url}/events`, {}, RETRY);
    slow.pause();

    const ids: string[] = [];
    while (hub.stats().evicted === 0) {
      expect(ids.length, 'events published before the eviction').toBeLessThan(MAX_EVENTS);
      const { id, delivered } = await hub.publish('default', { data: PAYLOAD });
      expect(delivered).toBeGreaterThanOrEqual(1);
      ids.push(id);
      // Each stream within its budget. The hub's total adds what the fast client has not read
      // yet: it reads on this process's loop, so its socket may be full for a moment.
      for (const stream of streams) expect(stream.bufferedBytes).toBeLessThanOrEqual(BUDGET);
      expect(hub.stats().queuedBytes).toBeLessThanOrEqual(BUDGET + PAYLOAD.length + 1024);
      // The fast client gets every event while the slow one is stuck: nothing waits for it.
      await fast.waitForEvents(ids.length);
    }
    expect(hub.stats()).toMatchObject({ evicted: 1, connections: 1, queuedBytes: 0 });
    expect(fast.events.map((event) => event.id)).toEqual(ids);
    if (adapter.transport.evictionDestroys) {
      // The evicted client's socket is let go at once, even though it never read its backlog.
      await eventually(async () => (await connectionsOf(server.http)) === 1, 'the evicted socket to close');
    }
    slow.resume();
    await slow.ended;
    // A Fetch body ends cleanly after what was queued; a Node response is cut.
    expect(slow.completed).toBe(!adapter.transport.evictionDestroys);
    expect(slow.events.length).toBeLessThan(ids.length);
  });

  it('does not keep hub.close() waiting for it', async () => {
    const hub = testHub({ writeTimeoutMs: 0, replaySize: 4 });
    const server = await adapter.serve(hub);
    const stalled = await openClient(`${server.url}/events`, {}, RETRY);
    const reading = await openClient(`${server.url}/events`, {}, RETRY);
    stalled.pause();
    // Fill the stalled socket until the hub has to queue for it.
    for (let n = 0; hub.stats().queuedBytes === 0; n++) {
      expect(n, 'events published before the transport blocked').toBeLessThan(MAX_EVENTS);
      await hub.publish('default', { data: PAYLOAD });
      await reading.waitForEvents(n + 1);
    }
    await withDeadline(hub.close(), 5000, 'hub.close()');
    await reading.ended;
    expect(reading.completed).toBe(true);
    expect(hub.stats().connections).toBe(0);
  });
});
