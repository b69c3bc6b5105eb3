import { describe, expect, it } from 'vitest';
import { sseResponse } from '../src/index.js';
import { get, hubFor, tick } from './support.js';

// A HEAD answer has no body, but some runtimes read the body of the Response anyway: Deno 2.9
// reads its first chunk (then cancels it), and @hono/node-server, given a bare fetch handler,
// reads it for as long as the client keeps the connection, so a HEAD to an SSE route subscribes.
// sseResponse answers HEAD with the stream's status and headers and no body at all.
describe('HEAD', () => {
  it('gets the stream headers and no body, and never subscribes, even when the runtime reads', async () => {
    const hub = hubFor();
    const response = await sseResponse(get('/events', { method: 'HEAD' }), { hub });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    // What Deno does with a HEAD answer's body.
    if (response.body !== null) {
      const reader = response.body.getReader();
      await reader.read();
      await tick();
      expect(hub.stats().connections).toBe(0);
      await reader.cancel();
    }
    expect(response.body).toBeNull();
    expect(hub.stats().connections).toBe(0);
  });

  it('never runs a hand-driven handler', async () => {
    let ran = false;
    const response = sseResponse(get('/ticks', { method: 'HEAD' }), () => {
      ran = true;
    });
    if (response.body !== null) {
      const reader = response.body.getReader();
      // The first read starts the stream; this handler writes nothing, so do not wait for data.
      void reader.read();
      await tick();
      await reader.cancel();
    }
    expect(ran).toBe(false);
    expect(response.body).toBeNull();
  });
});
