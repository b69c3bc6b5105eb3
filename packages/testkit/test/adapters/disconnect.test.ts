import http from 'node:http';
import type { Socket } from 'node:net';
import type { CloseReason, SseStream } from '@ssekit/core';
import {
  RETRY,
  activeResources,
  describeEachAdapter,
  eventually,
  openClient,
  quietListenerCounts,
  testHub,
} from '@ssekit/testkit';
import { expect, it } from 'vitest';

/** GETs `url` through `agent` and resolves to the whole body once the response ended. */
function readAll(url: string, agent: http.Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent, headers: { accept: 'text/event-stream' } }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
        res.on('end', () => resolve(text));
      })
      .on('error', reject);
  });
}

describeEachAdapter('client disconnects', (adapter) => {
  it('end a hub stream and a hand-driven one with reason client, unregistered at once, tickers stopped', async () => {
    const ended: [string, CloseReason][] = [];
    const hub = testHub({ hooks: { disconnect: (_stream, reason) => ended.push(['hub', reason]) } });
    const ticks: SseStream[] = [];
    const server = await adapter.serve(
      hub,
      {},
      {
        ticks: {
          handler: (stream) => {
            ticks.push(stream);
            const timer = setInterval(() => stream.send({ data: 'tick' }), 5);
            stream.signal.addEventListener('abort', () => clearInterval(timer), { once: true });
          },
          options: { retry: 3000 },
        },
      },
    );
    const before = activeResources().Timeout ?? 0;
    const events = await openClient(`${server.url}/events?topic=gone`, {}, RETRY);
    const ticking = await openClient(`${server.url}/ticks`);
    await ticking.waitForEvents(2);
    expect(hub.stats().connections).toBe(1);
    events.close();
    ticking.close();
    await eventually(() => hub.stats().connections === 0 && ticks[0]?.closed === true, 'both streams to end');
    expect(ended).toEqual([['hub', 'client']]);
    expect(ticks[0]?.signal.reason).toBe('client');
    expect(hub.stats().topics).toEqual({});
    expect((await hub.publish('gone', { data: 'nobody' })).delivered).toBe(0);
    await eventually(() => (activeResources().Timeout ?? 0) <= before, 'the ticker and heartbeat timers to stop');
  });

  it('never leave a stream registered when the client leaves while authorize is pending', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let asked = false;
    let connected = 0;
    let disconnected = 0;
    const hub = testHub({
      hooks: {
        connect: () => connected++,
        disconnect: () => disconnected++,
      },
    });
    const server = await adapter.serve(hub, {
      authorize: async (_req, topics) => {
        asked = true;
        await gate;
        return topics;
      },
    });
    const closed: Promise<void>[] = [];
    server.http.on('request', (_req, res: http.ServerResponse) => {
      closed.push(new Promise((resolve) => res.once('close', resolve)));
    });
    // No headers come while authorize waits, so a bare request stands in for the client.
    const request = http.get(`${server.url}/events`, { agent: false, headers: { accept: 'text/event-stream' } });
    request.on('error', () => undefined);
    await eventually(() => asked, 'authorize to be called');
    request.destroy();
    await Promise.all(closed);
    release();
    // A late stream, if the adapter made one, found the client gone and ended.
    await eventually(() => connected === disconnected, 'every late stream to end');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(connected).toBe(disconnected);
    expect(hub.stats()).toMatchObject({ connections: 0, topics: {} });
  });

  it('end stream after stream asked for on one keep-alive agent, leaving no connection idle and piling no listeners', async () => {
    const hub = testHub({
      // Ends each hub stream from the server side once it has started.
      hooks: { connect: (stream) => setImmediate(() => void stream.close()) },
    });
    const server = await adapter.serve(
      hub,
      {},
      {
        ticks: {
          handler: (stream) => {
            stream.send({ data: 'one' });
            void stream.close();
          },
        },
      },
    );
    const sockets: Socket[] = [];
    server.http.on('connection', (socket: Socket) => sockets.push(socket));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const seen: string[] = [];
    const counts: Record<string, number>[] = [];
    try {
      for (let i = 0; i < 20; i++) {
        seen.push(await readAll(`${server.url}/${i % 2 === 0 ? 'ticks' : 'events'}`, agent));
        await eventually(() => hub.stats().connections === 0, 'the stream to end');
        if (adapter.transport.closesAfterStream) {
          // The server closes the connection right after the stream's last chunk: the agent
          // drops it from its pool once the close arrives, and opens a new one for the next.
          const socket = sockets[i];
          await eventually(() => socket?.destroyed === true, `connection ${i} to close after its stream`);
        } else {
          // The server may still be finishing its side of the response: count once it is quiet.
          counts.push(await quietListenerCounts(sockets[0] as Socket));
        }
      }
    } finally {
      agent.destroy();
    }
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 'data: one\n\n' : RETRY)));
    if (adapter.transport.closesAfterStream) {
      // A stream's connection is closed once it ends: the agent opens a new one for the next.
      expect(sockets).toHaveLength(20);
    } else {
      expect(sockets).toHaveLength(1);
      expect(counts).toHaveLength(20);
      for (const count of counts) expect(count).toEqual(counts[0]);
    }
  });
});
