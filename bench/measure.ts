// A small calibrated timing loop shared by the benchmark scenarios: no dependency, bounded time.

/** One operation under test; its result's `length` is kept so the work cannot be optimized away. */
export type Op = () => { readonly length: number };

/** How long to measure. The defaults keep one ours-vs-naive pair under ~2 s. */
export interface MeasureOptions {
  /** Time spent running each op untimed first, so the JIT has settled. @default 200 */
  warmupMs?: number;
  /** Target length of one timed round; the op count per round is calibrated to it. @default 100 */
  roundMs?: number;
  /** Timed rounds per op; the median is reported. @default 7 */
  rounds?: number;
}

let sink = 0;

/** Read by callers after measuring, so V8 must keep every result's `length` alive. */
export function blackhole(): number {
  return sink;
}

function timeLoop(op: Op, count: number): number {
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) sink += op().length;
  return Number(process.hrtime.bigint() - start);
}

function warmUp(op: Op, ms: number): void {
  const until = process.hrtime.bigint() + BigInt(Math.round(ms * 1e6));
  while (process.hrtime.bigint() < until) timeLoop(op, 64);
}

/** The op count that makes one round last about `roundNs`. */
function calibrate(op: Op, roundNs: number): number {
  for (let count = 1; ; count *= 4) {
    const ns = timeLoop(op, count);
    if (ns >= roundNs / 8 || count >= 2 ** 28) return Math.max(1, Math.round((count * roundNs) / Math.max(ns, 1)));
  }
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median nanoseconds per call of each op. */
export interface PairTiming {
  oursNs: number;
  naiveNs: number;
}

/**
 * Times two ops the same way: warm-up, calibration, then timed rounds taken alternately (ours,
 * naive, ours, ...) so drift and GC pauses hit both sides alike. Returns the median ns per call.
 */
export function measurePair(ours: Op, naive: Op, options: MeasureOptions = {}): PairTiming {
  const { warmupMs = 200, roundMs = 100, rounds = 7 } = options;
  warmUp(ours, warmupMs);
  warmUp(naive, warmupMs);
  const oursCount = calibrate(ours, roundMs * 1e6);
  const naiveCount = calibrate(naive, roundMs * 1e6);
  const oursNs: number[] = [];
  const naiveNs: number[] = [];
  for (let round = 0; round < rounds; round++) {
    oursNs.push(timeLoop(ours, oursCount) / oursCount);
    naiveNs.push(timeLoop(naive, naiveCount) / naiveCount);
  }
  return { oursNs: median(oursNs), naiveNs: median(naiveNs) };
}
