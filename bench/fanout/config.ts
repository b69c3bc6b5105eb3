// The fan-out benchmark's settings, from the environment.
import { SERVERS } from './servers.js';

/** What one `pnpm bench fanout` run measures. */
export interface FanoutConfig {
  /** Subscriber counts, one table each. `BENCH_SUBSCRIBERS`, default `1000,5000,10000`. */
  subscribers: number[];
  /** Server names, in table order. `BENCH_SERVERS`, default all. */
  servers: string[];
  /** Events in the burst phase. `BENCH_BURST`, default 200. */
  burst: number;
  /**
   * The burst is shortened so that it makes at most this many deliveries (`BENCH_BURST_DELIVERIES`,
   * default 1,000,000: 200 events up to 5,000 subscribers, 100 at 10,000), which keeps one server
   * at 10,000 subscribers around a minute on two cores (a full run of every server at every count
   * takes about half an hour). See {@link burstEvents}.
   */
  burstDeliveries: number;
  /** Publishes in flight during the burst. `BENCH_BURST_CONCURRENCY`, default 4. */
  burstConcurrency: number;
  /** Fixed-rate phase: publishes per second and seconds. `BENCH_RATE`, `BENCH_RATE_SECONDS`, default 50 and 4. */
  rate: number;
  rateSeconds: number;
  /**
   * The fixed rate is lowered so that it asks for at most this many deliveries per second
   * (`BENCH_RATE_DELIVERIES`, default 25,000): the phase measures latency below saturation,
   * where it says how long one fan-out takes, not how long a queue grew. See {@link publishRate}.
   */
  rateDeliveries: number;
  /** Load-generator processes. `BENCH_CLIENT_PROCESSES`, default 2. */
  clientProcesses: number;
  /**
   * Times every server is measured at every count (`BENCH_REPS`, default 1, or 2 with a baseline);
   * the tables show each server's repetition with the lowest burst CPU per delivery.
   */
  reps: number;
  /** A git ref whose demos are measured next to the working tree's (`BENCH_BASELINE`, e.g. `main~3`). */
  baseline: string | undefined;
  /**
   * `BENCH_STRACE=1`: after the measured runs, one more burst per server under `strace -c -f`,
   * for the system calls by name (strace slows the server, so it is never the measured run).
   */
  strace: boolean;
  /** Streams past which a subscriber process would run out of files: 10,000+ need 2+ processes. */
  maxStreamsPerProcess: number;
}

function list(raw: string | undefined, fallback: string): string[] {
  return (raw === undefined || raw.trim() === '' ? fallback : raw)
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function positive(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw.replaceAll('_', ''));
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new Error(`bench: ${name} must be a positive integer, got ${raw}`);
  return value;
}

/** Reads and checks the configuration. */
export function readFanoutConfig(env: NodeJS.ProcessEnv = process.env): FanoutConfig {
  const subscribers = list(env.BENCH_SUBSCRIBERS, '1000,5000,10000').map((item) => {
    const n = Number(item.replaceAll('_', ''));
    if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`bench: BENCH_SUBSCRIBERS holds ${item}, not a count`);
    return n;
  });
  const servers = list(env.BENCH_SERVERS, SERVERS.map((s) => s.name).join(','));
  const unknown = servers.filter((name) => !SERVERS.some((s) => s.name === name));
  if (unknown.length > 0) {
    throw new Error(
      `bench: unknown BENCH_SERVERS ${unknown.join(', ')}; choose from ${SERVERS.map((s) => s.name).join(', ')}`,
    );
  }
  const baseline =
    env.BENCH_BASELINE === undefined || env.BENCH_BASELINE.trim() === '' ? undefined : env.BENCH_BASELINE.trim();
  return {
    subscribers,
    // Table order, whatever order they were named in.
    servers: SERVERS.map((s) => s.name).filter((name) => servers.includes(name)),
    burst: positive(env, 'BENCH_BURST', 200),
    burstDeliveries: positive(env, 'BENCH_BURST_DELIVERIES', 1_000_000),
    burstConcurrency: positive(env, 'BENCH_BURST_CONCURRENCY', 4),
    rate: positive(env, 'BENCH_RATE', 50),
    rateSeconds: positive(env, 'BENCH_RATE_SECONDS', 4),
    rateDeliveries: positive(env, 'BENCH_RATE_DELIVERIES', 25_000),
    clientProcesses: positive(env, 'BENCH_CLIENT_PROCESSES', 2),
    reps: positive(env, 'BENCH_REPS', baseline === undefined ? 1 : 2),
    baseline,
    strace: env.BENCH_STRACE === '1',
    maxStreamsPerProcess: 15_000,
  };
}

/** Events of the burst at `subscribers` streams: never fewer than 20. */
export function burstEvents(config: FanoutConfig, subscribers: number): number {
  return Math.max(Math.min(20, config.burst), Math.min(config.burst, Math.floor(config.burstDeliveries / subscribers)));
}

/** Publishes per second of the fixed-rate phase at `subscribers` streams. */
export function publishRate(config: FanoutConfig, subscribers: number): number {
  return Math.max(1, Math.min(config.rate, Math.floor(config.rateDeliveries / subscribers)));
}
