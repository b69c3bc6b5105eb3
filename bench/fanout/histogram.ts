// A fixed-bucket latency histogram: cheap to fill per delivery in the subscriber processes, and
// small to ship to the parent and merge (sparse pairs), where percentiles are read from it.

/** 10 µs buckets below this many µs (100 ms)... */
const FINE_LIMIT_US = 100_000;
const FINE_WIDTH_US = 10;
/** ...then 1 ms buckets up to 60 s; anything later lands in the last bucket. */
const COARSE_LIMIT_US = 60_000_000;
const COARSE_WIDTH_US = 1000;
const FINE_BUCKETS = FINE_LIMIT_US / FINE_WIDTH_US;
const BUCKETS = FINE_BUCKETS + (COARSE_LIMIT_US - FINE_LIMIT_US) / COARSE_WIDTH_US + 1;

/** `[bucket index, count]` pairs of the non-empty buckets. */
export type SparseHistogram = [number, number][];

/** Latencies in microseconds. Values below 0 (clock skew between processes) count as 0. */
export class Histogram {
  readonly #counts = new Uint32Array(BUCKETS);
  count = 0;
  max = 0;
  sum = 0;

  record(micros: number): void {
    const us = micros > 0 ? micros : 0;
    let bucket: number;
    if (us < FINE_LIMIT_US) bucket = Math.floor(us / FINE_WIDTH_US);
    else if (us < COARSE_LIMIT_US) bucket = FINE_BUCKETS + Math.floor((us - FINE_LIMIT_US) / COARSE_WIDTH_US);
    else bucket = BUCKETS - 1;
    this.#counts[bucket]!++;
    this.count++;
    this.sum += us;
    if (us > this.max) this.max = us;
  }

  toSparse(): SparseHistogram {
    const pairs: SparseHistogram = [];
    this.#counts.forEach((count, bucket) => {
      if (count > 0) pairs.push([bucket, count]);
    });
    return pairs;
  }

  addSparse(pairs: SparseHistogram, max: number, sum: number): void {
    for (const [bucket, count] of pairs) {
      this.#counts[bucket]! += count;
      this.count += count;
    }
    this.sum += sum;
    if (max > this.max) this.max = max;
  }

  /**
   * The latency below which `fraction` of the values fall, in µs (the upper edge of its
   * bucket, so it errs high by at most one bucket: 10 µs below 100 ms, 1 ms above).
   */
  percentile(fraction: number): number {
    if (this.count === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(fraction * this.count));
    let seen = 0;
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      seen += this.#counts[bucket]!;
      if (seen >= rank) return Math.min(upperEdge(bucket), this.max);
    }
    return this.max;
  }
}

function upperEdge(bucket: number): number {
  if (bucket < FINE_BUCKETS) return (bucket + 1) * FINE_WIDTH_US;
  return FINE_LIMIT_US + (bucket - FINE_BUCKETS + 1) * COARSE_WIDTH_US;
}
