import http from 'node:http';
import { createHub } from '@ssekit/core';
import type { Hub, HubHooks, HubOptions } from '@ssekit/core';
import { createSseHandler, requestUrl } from '@ssekit/node';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { SseClient, eventually, request } from '@ssekit/testkit';
import { collectHubMetrics, combineHooks, createHubMetrics } from '../src/index.js';
import type { HubMetrics, HubMetricsOptions } from '../src/index.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Served {
  hub: Hub;
  metrics: HubMetrics;
  url: string;
}

/** A hub with metrics behind a real server: `/metrics` scrapes, every other path is a stream. */
async function serve(hubOptions: HubOptions = {}, metricsOptions: HubMetricsOptions = {}): Promise<Served> {
  const metrics = createHubMetrics({ registry: new Registry(), ...metricsOptions });
  const hub = createHub({ heartbeatMs: 0, ...hubOptions, hooks: combineHooks(metrics.hooks, hubOptions.hooks) });
  metrics.register(hub);
  const events = createSseHandler({ hub: hub, limitResponse: 429 });
  const server = http.createServer((req, res) => {
    if (requestUrl(req).pathname !== '/metrics') {
      events(req, res);
      return;
    }
    void metrics.registry.metrics().then((text) => {
      res.writeHead(200, { 'content-type': metrics.registry.contentType });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  cleanups.push(() => hub.close());
  return { hub, metrics, url: `http://127.0.0.1:${port}` };
}

async function connect(url: string): Promise<SseClient> {
  const client = await SseClient.connect(url);
  cleanups.push(() => {
    client.close();
  });
  await client.waitFor((c) => c.raw === 'retry: 3000\n', 5000, 'the retry line');
  return client;
}

/** Every sample of a text exposition, `name{labels}` to its value. */
function samples(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out[line.slice(0, at)] = Number(line.slice(at + 1));
  }
  return out;
}

async function scrape(url: string): Promise<{ text: string; values: Record<string, number>; type: unknown }> {
  const answer = await request(`${url}/metrics`);
  expect(answer.status).toBe(200);
  return { text: answer.text, values: samples(answer.text), type: answer.headers['content-type'] };
}

/** The samples that do not depend on timing: everything but the latency histogram. */
function steady(values: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(values).filter(([key]) => !key.startsWith('ssekit_publish_latency')));
}

describe('createHubMetrics', () => {
  it('exposes connections per topic, counters that mirror hub.stats() and queued bytes at scrape time', async () => {
    const { hub, url } = await serve();
    const both = await connect(`${url}/events?topic=news&topic=sports`);
    await connect(`${url}/events?topic=news`);
    await hub.publish('news', { data: 'one' });
    await hub.publish('sports', { data: 'two' });
    await both.waitFor((c) => c.events.length === 2, 5000, 'both events');
    const { text, values, type } = await scrape(url);
    expect(type).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(steady(values)).toEqual({
      ssekit_published_total: 2,
      ssekit_delivered_total: 3,
      ssekit_dropped_total: 0,
      ssekit_evicted_total: 0,
      ssekit_replayed_total: 0,
      ssekit_replay_misses_total: 0,
      ssekit_rejected_total: 0,
      ssekit_errors_total: 0,
      ssekit_connections: 2,
      ssekit_queued_bytes: 0,
      'ssekit_topic_connections{topic="news"}': 2,
      'ssekit_topic_connections{topic="sports"}': 1,
    });
    // Each metric is declared once, with its type.
    const types = text.split('\n').filter((line) => line.startsWith('# TYPE'));
    expect(types).toEqual([
      '# TYPE ssekit_published_total counter',
      '# TYPE ssekit_delivered_total counter',
      '# TYPE ssekit_dropped_total counter',
      '# TYPE ssekit_evicted_total counter',
      '# TYPE ssekit_replayed_total counter',
      '# TYPE ssekit_replay_misses_total counter',
      '# TYPE ssekit_rejected_total counter',
      '# TYPE ssekit_errors_total counter',
      '# TYPE ssekit_connections gauge',
      '# TYPE ssekit_queued_bytes gauge',
      '# TYPE ssekit_topic_connections gauge',
      '# TYPE ssekit_publish_latency_seconds histogram',
      '# TYPE ssekit_disconnects_total counter',
    ]);
  });

  it('observes one publish latency per publish, and counts disconnects by reason', async () => {
    const { hub, url } = await serve();
    const leaving = await connect(`${url}/events`);
    await connect(`${url}/events`);
    for (let n = 0; n < 5; n++) await hub.publish('default', { data: n });
    leaving.close();
    await eventually(() => hub.stats().connections === 1, 'the client to leave');
    const { values } = await scrape(url);
    expect(values.ssekit_publish_latency_seconds_count).toBe(5);
    expect(values['ssekit_publish_latency_seconds_bucket{le="+Inf"}']).toBe(5);
    expect(values.ssekit_publish_latency_seconds_sum).toBeGreaterThan(0);
    const buckets = Object.entries(values)
      .filter(([key]) => key.startsWith('ssekit_publish_latency_seconds_bucket'))
      .map(([, value]) => value);
    expect(buckets).toHaveLength(13);
    expect(buckets).toEqual([...buckets].sort((a, b) => a - b));
    expect(values['ssekit_disconnects_total{reason="client"}']).toBe(1);
    expect(values.ssekit_connections).toBe(1);
  });

  it('counts streams refused by a connection limit and keeps counters from ever going down', async () => {
    const { hub, url } = await serve({ maxConnections: 1 });
    await connect(`${url}/events`);
    const refused = await request(`${url}/events`);
    expect(refused.status).toBe(429);
    const first = await scrape(url);
    expect(first.values.ssekit_rejected_total).toBe(1);
    await hub.publish('default', { data: 'x' });
    const second = await scrape(url);
    expect(second.values.ssekit_rejected_total).toBe(1);
    expect(second.values.ssekit_published_total).toBe(1);
    expect(second.values.ssekit_delivered_total).toBe(1);
  });

  it('groups topics by topicLabel and sums those past maxTopicSeries under _other', async () => {
    const { url } = await serve(
      {},
      { topicLabel: (topic) => (topic.startsWith('user:') ? 'user:*' : topic), maxTopicSeries: 2 },
    );
    await connect(`${url}/events?topic=user:ada&topic=news`);
    await connect(`${url}/events?topic=user:bob&topic=news`);
    await connect(`${url}/events?topic=user:eve&topic=sports&topic=weather`);
    const { values } = await scrape(url);
    const topics = Object.fromEntries(Object.entries(values).filter(([key]) => key.startsWith('ssekit_topic_')));
    expect(topics).toEqual({
      'ssekit_topic_connections{topic="user:*"}': 3,
      'ssekit_topic_connections{topic="news"}': 2,
      'ssekit_topic_connections{topic="_other"}': 2,
    });
  });

  it('uses the prefix, refuses a second hub, and unregisters', async () => {
    const registry = new Registry();
    const metrics = createHubMetrics({ registry, prefix: 'chat_' });
    const hub = createHub({ heartbeatMs: 0, hooks: metrics.hooks });
    cleanups.push(() => hub.close());
    metrics.register(hub);
    expect(() => {
      metrics.register(hub);
    }).toThrow('ssekit: these metrics already read a hub; create one set per hub.');
    expect(samples(await registry.metrics()).chat_connections).toBe(0);
    metrics.unregister();
    expect(registry.getMetricsAsArray()).toEqual([]);
  });
});

describe('collectHubMetrics', () => {
  it('registers what hub.stats() holds for an existing hub, without the hook-fed metrics', async () => {
    const hub = createHub({ heartbeatMs: 0 });
    cleanups.push(() => hub.close());
    await hub.publish('news', { data: 1 });
    const registry = new Registry();
    const unregister = collectHubMetrics(hub, { registry });
    expect(samples(await registry.metrics())).toEqual({
      ssekit_published_total: 1,
      ssekit_delivered_total: 0,
      ssekit_dropped_total: 0,
      ssekit_evicted_total: 0,
      ssekit_replayed_total: 0,
      ssekit_replay_misses_total: 0,
      ssekit_rejected_total: 0,
      ssekit_errors_total: 0,
      ssekit_connections: 0,
      ssekit_queued_bytes: 0,
    });
    unregister();
    expect(registry.getMetricsAsArray()).toEqual([]);
  });
});

describe('combineHooks', () => {
  it('runs every set in order, even past one that throws, and rethrows the first error to the hub', async () => {
    const calls: string[] = [];
    const reported: unknown[] = [];
    const first = new Error('first');
    const hooks = combineHooks(
      {
        connect: () => {
          calls.push('a');
          throw first;
        },
      },
      undefined,
      {
        connect: () => {
          calls.push('b');
          throw new Error('second');
        },
        error: (err) => reported.push(err),
      },
      { connect: () => calls.push('c') },
    );
    const { hub, url } = await serve({ hooks });
    await connect(`${url}/events`);
    expect(calls).toEqual(['a', 'b', 'c']);
    expect(reported).toEqual([first]);
    expect(hub.stats().errors).toBe(1);
    const { values } = await scrape(url);
    expect(values.ssekit_errors_total).toBe(1);
    expect(values.ssekit_connections).toBe(1);
  });

  it('keeps a hook of one set bound to its object', () => {
    const counter = {
      seen: 0,
      connect(this: { seen: number }) {
        this.seen++;
      },
    };
    const hooks: HubHooks = combineHooks(counter, {});
    hooks.connect?.({} as never);
    expect(counter.seen).toBe(1);
  });
});
