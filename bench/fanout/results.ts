// The shape of the fan-out results: printed by report.ts, written to .bench-out/fanout.json.
import type { ServerRole } from './servers.js';

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
  /**
   * `write` + `writev` calls of the server processes during the phase (`syscw` of /proc/<pid>/io),
   * and per delivery: 1 is one system call per event per stream; below 1, events were joined.
   */
  writeCalls?: number;
  writesPerDelivery?: number;
  /** The subscriber processes' CPU per delivery, µs: how hard the load generator worked. */
  clientCpuUsPerDelivery: number;
  /** Publish-to-receive latency, ms. */
  latencyMs: { p50: number; p99: number; max: number; mean: number };
}

/** One server at one subscriber count. */
export interface ServerResult {
  server: string;
  label: string;
  /** From the server's spec (servers.ts): what the server stands for, its framework, and for a baseline build the demo it is a baseline of. */
  role?: ServerRole;
  framework?: string;
  baselineOf?: string;
  /** Which repetition this was (0-based) and, on the result the tables show, how many were run. */
  rep?: number;
  reps?: number;
  subscribers: number;
  /** `missing`: its src/server.ts does not exist; `failed`: it did not start or a phase broke. */
  status: 'ok' | 'missing' | 'failed';
  error?: string;
  /** Opening the streams: how many, how long, and the server's CPU per stream opened (accept to first bytes). */
  connect?: { open: number; failed: number; seconds: number; errors: string[]; cpuUsPerStream?: number };
  /** Server RSS (after a full collection) before any stream, with every stream open and idle, and the difference per stream. */
  rss?: { beforeBytes: number; idleBytes: number; perStreamBytes: number };
  /**
   * The same for the live JS heap plus external memory (Buffers), right after a full collection:
   * exact where RSS moves in whole pages, but blind to native allocations (the same sockets and
   * parsers for every server on node:http).
   */
  heap?: { beforeBytes: number; idleBytes: number; perStreamBytes: number };
  burst?: PhaseResult;
  rate?: PhaseResult;
}

/** Everything one run produced. */
export interface FanoutReport {
  date: string;
  machine: { node: string; platform: string; cpu: string; cores: number; memoryGiB: number };
  config: Record<string, unknown>;
  /** Per server and count, the repetition the tables show (the lowest burst CPU per delivery). */
  results: ServerResult[];
  /** Every repetition, in the order they ran. */
  runs?: ServerResult[];
  /** The commit measured next to the working tree (`BENCH_BASELINE`). */
  baseline?: { ref: string; sha: string; short: string };
  /** Burst system calls by name, per server (`BENCH_STRACE=1`). */
  syscalls?: { subscribers: number; server: string; deliveries: number; counts: Record<string, number> }[];
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
