import { SsekitError } from '@ssekit/core';
import type { CloseReason, HubHooks, HubStats } from '@ssekit/core';
import { Counter, Gauge, Histogram, register as globalRegistry } from 'prom-client';
import type { OpenMetricsContentType, Registry } from 'prom-client';

/** A prom-client registry of either exposition format. */
export type MetricsRegistry = Registry | Registry<OpenMetricsContentType>;

/** What the metrics read from a hub: its counters. Any `Hub` has it. */
export interface StatsSource {
  stats(): HubStats;
}

/** Options of {@link createHubMetrics} and {@link collectHubMetrics}. */
export interface HubMetricsOptions {
  /** Where the metrics are registered. @default prom-client's global `register` */
  registry?: MetricsRegistry;
  /**
   * Put before every metric name; use a different one per hub when one registry serves several.
   * @default 'ssekit_'
   */
  prefix?: string;
  /**
   * The `topic` label of a topic in `<prefix>topic_connections`. Per-user topics make one
   * series each: map them to a group (`(t) => t.startsWith('user:') ? 'user:*' : t`) so the
   * series stay few. Topics mapped to the same label are summed.
   * @default the topic itself
   */
  topicLabel?: (topic: string) => string;
  /**
   * At most this many `topic` series, the busiest; the rest are summed under `topic="_other"`.
   * @default 100
   */
  maxTopicSeries?: number;
  /**
   * Buckets of `<prefix>publish_latency_seconds`, in seconds.
   * @default [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
   */
  latencyBuckets?: number[];
}

/** The metrics of one hub; see {@link createHubMetrics}. */
export interface HubMetrics {
  /**
   * Hooks to pass to `createHub` (alone or through {@link combineHooks}): they feed the latency
   * histogram and the disconnects by reason, which `hub.stats()` does not hold.
   */
  readonly hooks: HubHooks;
  /** The registry the metrics are in. */
  readonly registry: MetricsRegistry;
  /**
   * Binds the hub the counters and gauges are read from at scrape time. Call it once, right
   * after `createHub`.
   * @throws SsekitError `invalid_option` when a hub is already bound.
   */
  register(hub: StatsSource): void;
  /** Removes every metric of this set from the registry. */
  unregister(): void;
}

const DEFAULT_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** The counters of `HubStats` and their metric names (after the prefix, before `_total`). */
const COUNTERS = [
  ['published', 'published', 'Events published through the hub.'],
  ['delivered', 'delivered', 'Event deliveries handed to streams, live and replayed.'],
  ['dropped', 'dropped', "Deliveries dropped by the 'drop-oldest' slow-client policy."],
  ['evicted', 'evicted', 'Streams ended by the slow-client policy or the write deadline.'],
  ['replayed', 'replayed', 'Events replayed to resuming clients.'],
  ['replayMisses', 'replay_misses', 'Resumptions that could not be served (ssekit-reset sent).'],
  ['rejected', 'rejected', 'Streams refused by a connection limit.'],
  ['errors', 'errors', 'Failures reported through the error hook: sink writes, replays, hooks.'],
] as const satisfies readonly (readonly [keyof HubStats, string, string])[];

/**
 * Creates the Prometheus metrics of a hub, in three steps because the latency histogram needs
 * the hub's hooks, which are fixed when it is created:
 *
 * ```ts
 * const metrics = createHubMetrics({ registry });
 * const hub = createHub({ hooks: metrics.hooks });
 * metrics.register(hub);
 * ```
 *
 * Registered, with the default prefix `ssekit_`:
 * - gauges read from `hub.stats()` at scrape time: `ssekit_connections`,
 *   `ssekit_topic_connections{topic}`, `ssekit_queued_bytes`;
 * - counters that mirror `hub.stats()`: `ssekit_published_total`, `_delivered_total`,
 *   `_dropped_total`, `_evicted_total`, `_replayed_total`, `_replay_misses_total`,
 *   `_rejected_total`, `_errors_total`;
 * - from the hooks: `ssekit_publish_latency_seconds` (from `publish()` to the event being handed
 *   to every local stream) and `ssekit_disconnects_total{reason}`.
 *
 * @param options - registry, prefix, topic labels, buckets.
 */
export function createHubMetrics(options: HubMetricsOptions = {}): HubMetrics {
  const registry = options.registry ?? globalRegistry;
  const prefix = options.prefix ?? 'ssekit_';
  const registers = [registry];
  const maxSeries = options.maxTopicSeries ?? 100;
  if (!Number.isSafeInteger(maxSeries) || maxSeries < 0) {
    throw new SsekitError('invalid_option', 'ssekit: `maxTopicSeries` must be a non-negative integer.');
  }
  const name = (suffix: string): string => {
    names.push(`${prefix}${suffix}`);
    return `${prefix}${suffix}`;
  };
  const names: string[] = [];
  let source: StatsSource | undefined;
  const read = (): HubStats | undefined => source?.stats();

  for (const [key, suffix, help] of COUNTERS) {
    let seen = 0;
    const counter: Counter = new Counter({
      name: name(`${suffix}_total`),
      help,
      registers,
      collect() {
        const value = read()?.[key];
        // The hub's counters only grow, save `delivered`, which a replay may correct downwards
        // for a moment; a Prometheus counter must never go back.
        if (value !== undefined && value > seen) {
          counter.inc(value - seen);
          seen = value;
        }
      },
    });
  }

  const connections: Gauge = new Gauge({
    name: name('connections'),
    help: 'Open streams.',
    registers,
    collect() {
      connections.set(read()?.connections ?? 0);
    },
  });
  const queued: Gauge = new Gauge({
    name: name('queued_bytes'),
    help: 'Bytes held for slow clients right now.',
    registers,
    collect() {
      queued.set(read()?.queuedBytes ?? 0);
    },
  });
  const label = options.topicLabel ?? ((topic: string) => topic);
  const topics = new Gauge<'topic'>({
    name: name('topic_connections'),
    help: 'Open streams per topic (a stream on two topics counts in both).',
    labelNames: ['topic'],
    registers,
    collect() {
      topics.reset();
      for (const [topic, count] of topicSeries(read()?.topics ?? {}, label, maxSeries)) topics.set({ topic }, count);
    },
  });
  const latency = new Histogram({
    name: name('publish_latency_seconds'),
    help: 'From publish() to the event being handed to every stream of this process, in seconds.',
    buckets: options.latencyBuckets ?? DEFAULT_BUCKETS,
    registers,
  });
  const disconnects = new Counter<'reason'>({
    name: name('disconnects_total'),
    help: 'Streams ended, by reason: client, evicted, shutdown, lifetime, error, server, completed.',
    labelNames: ['reason'],
    registers,
  });

  const hooks: HubHooks = {
    published(info) {
      if (info.latencyMs !== undefined) latency.observe(info.latencyMs / 1000);
    },
    disconnect(_stream, reason: CloseReason) {
      disconnects.inc({ reason });
    },
  };

  return {
    hooks,
    registry,
    register(hub) {
      if (source !== undefined) {
        throw new SsekitError('invalid_option', 'ssekit: these metrics already read a hub; create one set per hub.');
      }
      source = hub;
    },
    unregister() {
      for (const name of names) registry.removeSingleMetric(name);
    },
  };
}

/**
 * Registers the metrics read from `hub.stats()` for a hub that already exists: everything
 * {@link createHubMetrics} registers except the latency histogram and the disconnects by reason,
 * which need hooks passed to `createHub`.
 * @param hub - the hub.
 * @param options - registry, prefix, topic labels.
 * @returns a function that removes the metrics again.
 */
export function collectHubMetrics(hub: StatsSource, options: HubMetricsOptions = {}): () => void {
  const metrics = createHubMetrics(options);
  const prefix = options.prefix ?? 'ssekit_';
  // Without the hub's hooks they would stay empty forever: better absent than misleading.
  metrics.registry.removeSingleMetric(`${prefix}publish_latency_seconds`);
  metrics.registry.removeSingleMetric(`${prefix}disconnects_total`);
  metrics.register(hub);
  return () => {
    metrics.unregister();
  };
}

/** Connections per topic label, the busiest `max` first and the rest summed as `_other`. */
function topicSeries(
  byTopic: Record<string, number>,
  label: (topic: string) => string,
  max: number,
): [string, number][] {
  const sums = new Map<string, number>();
  for (const [topic, count] of Object.entries(byTopic)) {
    const name = label(topic);
    sums.set(name, (sums.get(name) ?? 0) + count);
  }
  const sorted = [...sums].sort((a, b) => b[1] - a[1]);
  if (sorted.length <= max) return sorted;
  const rest = sorted.slice(max).reduce((sum, [, count]) => sum + count, 0);
  return [...sorted.slice(0, max), ['_other', rest]];
}
