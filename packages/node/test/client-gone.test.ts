import http from 'node:http';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHub } from '@ssekit/core';
import type { CloseReason } from '@ssekit/core';
import { SseClient } from '@ssekit/testkit';
import { afterEach, expect, it } from 'vitest';
import { createSseHandler } from '../src/index.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

// A stream whose connection is gone is a client that left, whatever comes first: the socket's
// 'close' event, or the next fan-out write. Counted as an error, every ordinary abort under
// load raised `ssekit_errors_total`, which the production guide says to alert on.
it('treats a write to a connection already gone as the client leaving, not as an error', async () => {
  const reasons: CloseReason[] = [];
  const hub = createHub({ heartbeatMs: 0, hooks: { disconnect: (_stream, reason) => reasons.push(reason) } });
  const requests: IncomingMessage[] = [];
  const events = createSseHandler({ hub });
  const server = http.createServer((req, res) => {
    requests.push(req);
    events(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(async () => {
    await hub.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  const { port } = server.address() as AddressInfo;
  const client = await SseClient.connect(`http://127.0.0.1:${port}/events`);
  await client.waitFor((c) => c.retries.length === 1);
  // The connection goes; in the same turn, before its 'close' event, an event is fanned out.
  requests[0]!.socket.destroy();
  await hub.publish('default', { data: 'to nobody' });
  await new Promise((resolve) => setTimeout(resolve, 50));
  expect(hub.stats()).toMatchObject({ errors: 0, connections: 0 });
  expect(reasons).toEqual(['client']);
  client.close();
});
