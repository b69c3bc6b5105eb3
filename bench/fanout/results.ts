// The shape of the fan-out results: printed by report.ts, written to .bench-out/fanout.json.

/** One phase (burst or fixed rate) on one server. */
export interface PhaseResult {
  /** Publishes sent (fewer than planned when the deadline stopped them) and answered 202. */
  publishes: number;
  planned: number;
  accepted: number;
  publishErrors: string[];
  /** Streams open at the phase's start. */
  streams: number;
  /** In-order deliveries received, and how many were expected (streams × accepted publishes). */
  deliveries: number;
  expected: number;
  /** Expected deliveries missing when the phase ended, and deliveries seen twice or out of order. */
  missing: number;
  duplicates: number;
  /** Streams the server closed during the phase. */
  closed: number;
  /** True when every stream got the last event before the deadline. */
  completed: boolean;
  /** First publish to last delivery, s. */
  seconds: number;
  deliveriesPerSec: number;
  /** Server CPU (user + system, all threads) during the phase, µs, and per delivery. */
  serverCpuUs: number;
  cpuUsPerDelivery: number;
  /** The subscriber processes' CPU per delivery, µs: how hard the load generator worked. */
  clientCpuUsPerDelivery: number;
  /** Publish-to-receive latency, ms. */
  latencyMs: { p50: number; p99: number; max: number; mean: number };
}

/** One server at one subscriber count. */
export interface ServerResult {
  server: string;
  label: string;
  subscribers: number;
  /** `missing`: its src/server.ts does not exist; `failed`: it did not start or a phase broke. */
  status: 'ok' | 'missing' | 'failed';
  error?: string;
  connect?: { open: number; failed: number; seconds: number; errors: string[] };
  /** Server RSS before any stream, with every stream open and idle, and the difference per stream. */
  rss?: { beforeBytes: number; idleBytes: number; perStreamBytes: number };
  burst?: PhaseResult;
  rate?: PhaseResult;
}

/** Everything one run produced. */
export interface FanoutReport {
  date: string;
  machine: { node: string; platform: string; cpu: string; cores: number; memoryGiB: number };
  config: Record<string, unknown>;
  results: ServerResult[];
  targets: TargetCheck[];
}

/** One target of the issues, checked at the largest subscriber count. */
export interface TargetCheck {
  subscribers: number;
  server: string;
  target: string;
  measured: string;
  pass: boolean | undefined;
}
