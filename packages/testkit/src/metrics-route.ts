import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo } from './demo.js';
import type { RunningDemo } from './demo.js';
import { eventually, publish, request } from './http.js';
import { SseClient } from './sse-client.js';

/** Every sample of a Prometheus text exposition, `name{labels}` to its value. */
export function parseExposition(text: string): Record<string, number> {
  const samples: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    samples[line.slice(0, at)] = Number(line.slice(at + 1));
  }
  return samples;
}

/**
 * `GET /metrics` of `examples/<name>`: the Prometheus text format, with the hub's counters as
 * `/stats` has them, connections per topic, and one publish latency per publish.
 * @param name - the example's folder under `examples/`.
 * @param env - more environment.
 */
export function defineMetricsRouteSuite(name: string, env: Record<string, string> = {}): void {
  describe(`GET /metrics: examples/${name}`, () => {
    let demo: RunningDemo;

    beforeAll(async () => {
      demo = await startDemo(name, { HEARTBEAT_MS: '0', ...env });
    });

    afterAll(async () => {
      await demo.stop();
    });

    it('answers the text format with the hub counters, connections per topic and publish latency', async () => {
      const clients = [
        await SseClient.connect(`${demo.url}/events?topic=m-news&topic=m-sports`),
        await SseClient.connect(`${demo.url}/events?topic=m-news`),
      ];
      try {
        for (const client of clients) await client.waitFor((c) => c.retries.length === 1, 5000, 'the retry line');
        for (const topic of ['m-news', 'm-sports', 'm-news']) {
          expect((await publish(demo.url, { topic, data: 'x' })).status).toBe(202);
        }
        await clients[0]?.waitForEvents(3);
        const refused = await publish(demo.url, { topic: 'm-news', event: 'a\nb', data: 'x' });
        expect(refused.status).toBe(400);
        const answer = await request(`${demo.url}/metrics`);
        expect(answer.status).toBe(200);
        expect(answer.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
        const samples = parseExposition(answer.text);
        const steady = Object.fromEntries(
          Object.entries(samples).filter(
            ([key]) => !key.startsWith('ssekit_publish_latency') && !key.startsWith('ssekit_disconnects'),
          ),
        );
        expect(steady).toEqual({
          ssekit_published_total: 3,
          ssekit_delivered_total: 5,
          ssekit_dropped_total: 0,
          ssekit_evicted_total: 0,
          ssekit_replayed_total: 0,
          ssekit_replay_misses_total: 0,
          ssekit_rejected_total: 0,
          ssekit_errors_total: 0,
          ssekit_connections: 2,
          ssekit_queued_bytes: 0,
          'ssekit_topic_connections{topic="m-news"}': 2,
          'ssekit_topic_connections{topic="m-sports"}': 1,
        });
        expect(samples.ssekit_publish_latency_seconds_count).toBe(3);
      } finally {
        for (const client of clients) client.close();
      }
      await eventually(async () => {
        const after = parseExposition((await request(`${demo.url}/metrics`)).text);
        return after.ssekit_connections === 0 && after['ssekit_disconnects_total{reason="client"}'] === 2;
      }, 'the disconnects to be counted');
    });
  });
}
