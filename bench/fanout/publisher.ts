// The publisher: POSTs events to the server's real `/publish` route over keep-alive connections,
// each stamped with its sequence number and the time it was created (µs, shared wall clock), so
// subscribers can check completeness and measure latency. It runs in the benchmark's own process.
import http from 'node:http';
import { nowUs } from './messages.js';

/** Padding that brings each event to about 200 bytes on the wire, a typical JSON broadcast. */
const PAD = 'x'.repeat(130);

/** How a series of publishes went. */
export interface PublishOutcome {
  /** Publishes sent: sequence numbers `first` to `first + sent - 1` (fewer than asked past the deadline). */
  sent: number;
  /** Publishes answered 202. */
  accepted: number;
  failed: number;
  /** The first few failures. */
  errors: string[];
  /** Time from the first publish to the last answer, ms. */
  ms: number;
}

export class Publisher {
  readonly #agent: http.Agent;

  /**
   * @param port - the server's port on 127.0.0.1.
   * @param sockets - how many keep-alive connections publishes may use at once.
   */
  constructor(
    private readonly port: number,
    sockets = 8,
  ) {
    this.#agent = new http.Agent({ keepAlive: true, maxSockets: sockets });
  }

  /** Publishes event `seq`; resolves when the server answered. */
  publish(seq: number): Promise<void> {
    // Stamped when created: time spent queued for a connection counts as latency.
    const body = `{"data":{"s":${seq},"t":${nowUs()},"p":"${PAD}"}}`;
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: this.port,
          method: 'POST',
          path: '/publish',
          agent: this.#agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 202) resolve();
            else reject(new Error(`publish ${seq}: status ${res.statusCode ?? 0}`));
          });
        },
      );
      // Bounded: a server that never answers fails the publish instead of stalling the run.
      req.setTimeout(60_000, () => req.destroy(new Error(`publish ${seq}: no answer within 60 s`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  /**
   * Publishes `count` events from `first` as fast as `concurrency` requests in flight allow.
   * Stops early at `deadlineMs`.
   */
  async burst(first: number, count: number, concurrency: number, deadlineMs: number): Promise<PublishOutcome> {
    const outcome = newOutcome();
    const started = performance.now();
    let next = first;
    const worker = async (): Promise<void> => {
      while (next < first + count && performance.now() - started < deadlineMs) {
        await this.#counted(next++, outcome);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    outcome.sent = next - first;
    outcome.ms = performance.now() - started;
    return outcome;
  }

  /**
   * Publishes `count` events from `first` at `perSecond`, on schedule whether or not earlier
   * ones were answered (an open loop: a slow server shows as latency, not as a slower rate).
   * Stops early at `deadlineMs`.
   */
  async rate(first: number, count: number, perSecond: number, deadlineMs: number): Promise<PublishOutcome> {
    const outcome = newOutcome();
    const started = performance.now();
    const inFlight: Promise<void>[] = [];
    for (let i = 0; i < count; i++) {
      const due = started + (i * 1000) / perSecond;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      if (performance.now() - started > deadlineMs) break;
      outcome.sent++;
      inFlight.push(this.#counted(first + i, outcome));
    }
    await Promise.all(inFlight);
    outcome.ms = performance.now() - started;
    return outcome;
  }

  close(): void {
    this.#agent.destroy();
  }

  async #counted(seq: number, outcome: PublishOutcome): Promise<void> {
    try {
      await this.publish(seq);
      outcome.accepted++;
    } catch (err) {
      outcome.failed++;
      if (outcome.errors.length < 3) outcome.errors.push(err instanceof Error ? err.message : String(err));
    }
  }
}

function newOutcome(): PublishOutcome {
  return { sent: 0, accepted: 0, failed: 0, errors: [], ms: 0 };
}
