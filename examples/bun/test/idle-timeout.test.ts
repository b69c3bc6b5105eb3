import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SseClient, eventually, publish, startDemo } from '@ssekit/testkit';
import type { RunningDemo } from '@ssekit/testkit';

// Bun.serve closes a connection idle for `idleTimeout` seconds, and an event stream without
// heartbeats is idle between events: the demo turns the timeout off for its streams only
// (`server.timeout(request, 0)`). Here the timeout is 1 s and heartbeats are off.
let demo: RunningDemo;
const clients: SseClient[] = [];

beforeAll(async () => {
  demo = await startDemo('bun', { IDLE_TIMEOUT_S: '1', HEARTBEAT_MS: '0', TICK_MS: '600000' });
});

afterAll(async () => {
  for (const client of clients) client.close();
  await demo.stop('SIGTERM', 5000);
});

/** A keep-alive connection that made one request and then sits idle. */
async function idleConnection(): Promise<{ closed: () => boolean }> {
  const socket = net.connect(demo.port, '127.0.0.1');
  let closed = false;
  socket.once('close', () => (closed = true));
  socket.on('error', () => undefined);
  let answer = '';
  socket.on('data', (chunk: Buffer) => (answer += chunk.toString('latin1')));
  socket.write('GET /stats HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
  await eventually(() => answer.startsWith('HTTP/1.1 200'), 'the /stats answer');
  return { closed: () => closed };
}

describe('examples/bun and Bun.serve idleTimeout', () => {
  it('keeps idle streams open past the idle timeout that closes other connections', async () => {
    const topic = `idle-${Math.random().toString(36).slice(2, 8)}`;
    const events = await SseClient.connect(`${demo.url}/events?topic=${topic}`);
    const ticks = await SseClient.connect(`${demo.url}/ticks`);
    clients.push(events, ticks);
    await events.waitFor((c) => c.retries.length === 1, 5000, 'the retry line');
    await ticks.waitForEvents(1);
    const idle = await idleConnection();
    const started = Date.now();
    // The timeout is in force: Bun closes the idle keep-alive connection (its timer is coarse).
    await eventually(idle.closed, 'Bun to close the idle connection', 15_000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(events.isEnded).toBe(false);
    expect(ticks.isEnded).toBe(false);
    const result = await publish(demo.url, { topic, data: 'still here' });
    expect(result.status).toBe(202);
    await events.waitForEvents(1);
    expect(events.events).toEqual([{ event: undefined, data: 'still here', id: (result.json as { id: string }).id }]);
    expect(ticks.events.map((event) => event.data)).toEqual(['tick 0']);
  });
});
