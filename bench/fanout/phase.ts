// One phase's bookkeeping in a subscriber process: which of the phase's events each stream got,
// duplicates, latency, and when every stream is done.
import { Histogram } from './histogram.js';
import type { PhaseReport } from './messages.js';

/** A stream's part in a phase. */
export interface PhaseMember {
  /** Expects the phase's events: open when it started and not complete or closed yet. */
  inPhase: boolean;
  /** Which of the phase's events arrived, by `seq - first`. */
  seen: Uint8Array;
  got: number;
}

export class Phase {
  expected: number;
  streams = 0;
  complete = 0;
  closed = 0;
  received = 0;
  duplicates = 0;
  firstUs = 0;
  lastUs = 0;
  #doneSent = false;
  readonly #latency = new Histogram();
  readonly #cpuStart = process.cpuUsage();

  /**
   * @param name - the phase's name, echoed in `done`.
   * @param first - the sequence number of its first event, and `last` of its last.
   * @param done - called once, when every member is complete or closed.
   */
  constructor(
    readonly name: string,
    readonly first: number,
    last: number,
    private readonly done: () => void,
  ) {
    this.expected = last - first + 1;
  }

  /** Makes `member` expect this phase's events. */
  enrol(member: PhaseMember, open: boolean): void {
    member.inPhase = open;
    if (member.seen.length === this.expected) member.seen.fill(0);
    else member.seen = new Uint8Array(this.expected);
    member.got = 0;
    if (open) this.streams++;
  }

  record(member: PhaseMember, seq: number, sentUs: number, receivedUs: number): void {
    const index = seq - this.first;
    if (index < 0 || index >= this.expected || !member.inPhase) return;
    // Concurrent publishes may reach the server in any order, so completeness is checked per
    // sequence number, not against the order they were sent in.
    if (member.seen[index] === 1) {
      this.duplicates++;
      return;
    }
    member.seen[index] = 1;
    member.got++;
    this.received++;
    if (sentUs >= 0) this.#latency.record(receivedUs - sentUs);
    if (this.firstUs === 0) this.firstUs = receivedUs;
    this.lastUs = receivedUs;
    if (member.got === this.expected) {
      member.inPhase = false;
      this.complete++;
      this.checkDone();
    }
  }

  memberClosed(member: PhaseMember): void {
    if (!member.inPhase) return;
    member.inPhase = false;
    this.closed++;
    this.checkDone();
  }

  /** Fewer events were published than planned: the members that have them all are complete. */
  trim(last: number, members: readonly PhaseMember[]): void {
    this.expected = Math.min(this.expected, last - this.first + 1);
    for (const member of members) {
      if (member.inPhase && member.got >= this.expected) {
        member.inPhase = false;
        this.complete++;
      }
    }
    this.checkDone();
  }

  checkDone(): void {
    if (!this.#doneSent && this.complete + this.closed >= this.streams) {
      this.#doneSent = true;
      this.done();
    }
  }

  report(id: number): PhaseReport {
    const cpu = process.cpuUsage(this.#cpuStart);
    return {
      type: 'report',
      id,
      name: this.name,
      streams: this.streams,
      complete: this.complete,
      closed: this.closed,
      received: this.received,
      duplicates: this.duplicates,
      firstUs: this.firstUs,
      lastUs: this.lastUs,
      latency: { buckets: this.#latency.toSparse(), max: this.#latency.max, sum: this.#latency.sum },
      cpuUs: cpu.user + cpu.system,
    };
  }
}
