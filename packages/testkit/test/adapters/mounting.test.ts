import {
  RETRY,
  describeEachAdapter,
  openClient,
  request,
  stable,
  streamHeaders,
  testHub,
  wireFrame,
} from '@ssekit/testkit';
import { expect, it } from 'vitest';

describeEachAdapter(
  'app-wide mounting',
  (adapter) => {
    it('streams only requests that accept text/event-stream, and lets every other route answer', async () => {
      const hub = testHub({ retry: 1000 });
      const server = await adapter.serve(hub, {}, { mount: 'app' });
      const health = await request(`${server.url}/health`);
      expect(health.status).toBe(200);
      expect(health.json).toEqual({ ok: true });
      const client = await openClient(`${server.url}/anywhere?topic=t`, {}, 'retry: 1000\n');
      expect(stable(client.headers)).toEqual(streamHeaders(adapter));
      expect(hub.stats().connections).toBe(1);
      const sent = await hub.publish('t', { data: 'x' });
      await client.waitFor((c) => c.raw === `retry: 1000\n${wireFrame(sent.id, 'x')}`, 5000, 'the event');
      const post = await request(`${server.url}/anywhere`, {
        method: 'POST',
        headers: { accept: 'text/event-stream' },
      });
      expect([post.status, post.text]).toEqual([404, 'next: POST /anywhere']);
      const plain = await request(`${server.url}/anywhere`);
      expect([plain.status, plain.text]).toEqual([404, 'next: GET /anywhere']);
      expect(hub.stats().connections).toBe(1);
    });

    it('with path, streams GET requests on that path whatever they accept, and nothing else', async () => {
      const hub = testHub();
      const server = await adapter.serve(hub, {}, { mount: 'app', own: { path: '/events' } });
      const stream = { headers: { accept: 'text/event-stream' } };
      const passed: [string, { method?: string; headers?: Record<string, string>; body?: string }, string][] = [
        ['/other', stream, 'next: GET /other'],
        ['/events', { ...stream, method: 'POST', body: '{}' }, 'next: POST /events'],
        ['/events/more', stream, 'next: GET /events/more'],
      ];
      for (const [path, init, text] of passed) {
        const answer = await request(`${server.url}${path}`, init);
        expect([path, answer.status, answer.text]).toEqual([path, 404, text]);
      }
      expect((await request(`${server.url}/health`)).status).toBe(200);
      expect(hub.stats().connections).toBe(0);
      const client = await openClient(`${server.url}/events`, { headers: { accept: '*/*' } }, RETRY);
      expect(client.status).toBe(200);
      expect(stable(client.headers)).toEqual(streamHeaders(adapter));
      expect(client.bytes[0]?.toString('utf8')).toBe(RETRY);
      expect(hub.stats().connections).toBe(1);
    });
  },
  (adapter) => adapter.appWide,
);
