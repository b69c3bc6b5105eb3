import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fetchEventSource } from '@microsoft/fetch-event-source';
import { createHub } from '@ssekit/core';
import { createSseHandler } from '@ssekit/node';
import type { EventSourceMessage } from '@microsoft/fetch-event-source';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { subscribe } from '../src/index.js';
import { closeServers, openSse, serve, until } from './support/servers.js';

// @microsoft/fetch-event-source dispatches a message at every blank line, data or not, so a block
// that only sets `retry` reaches its onmessage as an empty message that was never published. The
// server's opening bytes are therefore `retry: N\n` with no blank line after them: every
// spec-following client applies the field at its line, and a comment line (`:\n`, a heartbeat)
// never ends a block either. These tests pin both sides: the bytes the server will send, read by
// that package and by ours.

// The package is written for browsers: it calls window.setTimeout and document's listener methods.
// In Node those are the global timers and a plain EventTarget, the one thing it needs of a page.
const globals = globalThis as { window?: unknown; document?: unknown };
beforeAll(() => {
  globals.window = globalThis;
  globals.document = Object.assign(new EventTarget(), { hidden: false });
});
afterAll(() => {
  delete globals.window;
  delete globals.document;
});
afterEach(closeServers);

const PUBLISHED = [
  { id: '1', event: 'price', data: '{"value":1}' },
  { id: '2', event: '', data: 'plain' },
  { id: '3', event: 'note', data: 'two\nlines' },
];

function frames(): string {
  return PUBLISHED.map(({ id, event, data }) => {
    const name = event === '' ? '' : `event: ${event}\n`;
    return `id: ${id}\n${name}data: ${data.split('\n').join('\ndata: ')}\n\n`;
  }).join(':\n');
}

/** What @microsoft/fetch-event-source hands its onmessage for a stream opening with `opening`. */
async function readWithFetchEventSource(opening: string): Promise<EventSourceMessage[]> {
  const server = await serve((req) => {
    openSse(req.res, opening);
    setTimeout(() => req.res.write(`:\n${frames()}`), 20);
  });
  const messages: EventSourceMessage[] = [];
  const controller = new AbortController();
  const done = fetchEventSource(server.url, {
    signal: controller.signal,
    openWhenHidden: true,
    fetch,
    onmessage: (message) => messages.push(message),
  });
  await until(() => messages.filter((message) => message.data !== '').length === PUBLISHED.length, 'the events');
  controller.abort();
  await done;
  return messages;
}

describe('@microsoft/fetch-event-source 2.0.1 and the opening bytes of a stream', () => {
  it('sees exactly the published events when the stream opens with `retry: 1500\\n` and no blank line', async () => {
    const messages = await readWithFetchEventSource('retry: 1500\n');
    expect(messages.map(({ id, event, data }) => ({ id, event, data }))).toEqual(PUBLISHED);
    // The retry was still applied, to the first event's block.
    expect(messages[0]?.retry).toBe(1500);
  });

  it('sees an event that was never published when the opening block ends in a blank line (the old bytes)', async () => {
    const messages = await readWithFetchEventSource('retry: 1500\n\n');
    expect(messages.map(({ id, event, data }) => ({ id, event, data }))).toEqual([
      { id: '', event: '', data: '' },
      ...PUBLISHED,
    ]);
  });

  it('sees no message in the connection-limit answer (`retry: N\\n`, then the end), and retries after it', async () => {
    const server = await serve((req, n) => {
      if (n === 0) {
        openSse(req.res, 'retry: 200\n');
        req.res.end();
      } else {
        openSse(req.res, frames());
      }
    });
    const messages: EventSourceMessage[] = [];
    const controller = new AbortController();
    const done = fetchEventSource(server.url, {
      signal: controller.signal,
      openWhenHidden: true,
      fetch,
      onmessage: (message) => messages.push(message),
      // The package stops when a stream ends unless onclose throws; throwing asks for a retry.
      onclose: () => {
        throw new Error('ended: retry');
      },
      onerror: () => undefined,
    });
    await until(() => messages.length >= PUBLISHED.length, 'the events after the retry');
    controller.abort();
    await done;
    expect(messages.map(({ id, event, data }) => ({ id, event, data }))).toEqual(PUBLISHED);
    const [limited, accepted] = server.requests;
    expect(accepted!.at - limited!.at).toBeGreaterThanOrEqual(200);
  });
});

describe('@ssekit/client and the same opening bytes', () => {
  it('delivers exactly the published events and waits the 1500 ms retry before reconnecting', async () => {
    const server = await serve((req, n) => {
      if (n === 0) {
        openSse(req.res, 'retry: 1500\n');
        setTimeout(() => req.res.end(`:\n${frames()}`), 20);
      } else {
        openSse(req.res, 'retry: 1500\n:\nid: 4\ndata: after the reconnect\n\n');
      }
    });
    const subscription = subscribe(server.url, { parse: 'text', retry: 20_000 });
    const events: { id: string; type: string; data: unknown }[] = [];
    try {
      for await (const { id, type, data } of subscription) {
        events.push({ id, type, data });
        if (events.length === PUBLISHED.length + 1) break;
      }
    } finally {
      subscription.close();
    }
    expect(events).toEqual([
      ...PUBLISHED.map(({ id, event, data }) => ({ id, type: event === '' ? 'message' : event, data })),
      { id: '4', type: 'message', data: 'after the reconnect' },
    ]);
    const [first, second] = server.requests;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1500);
    expect(second!.headers['last-event-id']).toBe('3');
  });

  it('delivers nothing for the connection-limit answer and reconnects after its retry', async () => {
    const server = await serve((req, n) => {
      if (n === 0) {
        openSse(req.res, 'retry: 200\n');
        req.res.end();
      } else {
        openSse(req.res, frames());
      }
    });
    const subscription = subscribe(server.url, { parse: 'text', retry: 20_000 });
    const events: { id: string; data: unknown }[] = [];
    try {
      for await (const { id, data } of subscription) {
        events.push({ id, data });
        if (events.length === PUBLISHED.length) break;
      }
    } finally {
      subscription.close();
    }
    expect(events).toEqual(PUBLISHED.map(({ id, data }) => ({ id, data })));
    const [limited, accepted] = server.requests;
    expect(accepted!.at - limited!.at).toBeGreaterThanOrEqual(200);
  });
});

describe('@microsoft/fetch-event-source 2.0.1 reading a real ssekit stream', () => {
  it('sees exactly the published events, the hub’s retry applied, and no empty message', async () => {
    const hub = createHub({ heartbeatMs: 0, retry: 1500 });
    const server = http.createServer(createSseHandler({ hub }));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const messages: EventSourceMessage[] = [];
    const controller = new AbortController();
    const done = fetchEventSource(`http://127.0.0.1:${port}/events`, {
      signal: controller.signal,
      openWhenHidden: true,
      fetch,
      onmessage: (message) => messages.push(message),
    });
    try {
      await until(() => hub.stats().connections === 1, 'the stream');
      const sent = [
        await hub.publish('default', { event: 'price', data: { value: 1 } }),
        await hub.publish('default', { data: 'plain' }),
      ];
      await until(() => messages.length >= sent.length, 'the events');
      // Anything that came late (an empty message) would have arrived with them.
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(messages.map(({ id, event, data, retry }) => ({ id, event, data, retry }))).toEqual([
        { id: sent[0]!.id, event: 'price', data: '{"value":1}', retry: 1500 },
        { id: sent[1]!.id, event: '', data: 'plain', retry: undefined },
      ]);
    } finally {
      controller.abort();
      await done;
      await hub.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
