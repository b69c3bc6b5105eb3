import type { StoredEvent } from './replay-store.js';

/** One event of a log, with its place in the store's one sequence. @internal */
export interface Entry {
  readonly seq: number;
  readonly stored: StoredEvent;
  /** UTF-16 length of the body, what the store's byte budget counts (an upper bound of half the bytes). */
  readonly size: number;
}

/** A fixed-size log of one topic: appending past capacity forgets the oldest entry. @internal */
export class TopicLog {
  /** Slots before `#start` are emptied as entries are forgotten. */
  readonly #entries: (Entry | undefined)[] = [];
  #start = 0;
  /** Highest sequence number forgotten, or -1. */
  trimmedUpTo = -1;
  /** Highest sequence number ever appended. */
  lastSeq = -1;
  /** Sum of the sizes of the entries held. */
  bytes = 0;
  /** The final event's sequence number, once the topic completed. */
  finalSeq: number | undefined;
  /** When the topic is forgotten (ms, the store's clock), or `Infinity`. */
  expiresAt = Infinity;
  /** The topic's own time to live, when its publisher gave one. */
  ttlMs: number | undefined;

  constructor(readonly capacity: number) {}

  /** @returns the entry forgotten to make room, if any. */
  push(entry: Entry): Entry | undefined {
    this.#entries.push(entry);
    this.lastSeq = entry.seq;
    this.bytes += entry.size;
    if (this.#entries.length - this.#start <= this.capacity) return undefined;
    const evicted = this.#entries[this.#start] as Entry;
    // Dropped now, not at the next compaction: an entry holds its event's whole body, and up to
    // 1024 forgotten ones would otherwise stay reachable per topic.
    this.#entries[this.#start++] = undefined;
    this.trimmedUpTo = evicted.seq;
    this.bytes -= evicted.size;
    // Compact now and then instead of shifting on every append.
    if (this.#start >= 1024 && this.#start * 2 >= this.#entries.length) {
      this.#entries.splice(0, this.#start);
      this.#start = 0;
    }
    return evicted;
  }

  /** Entries with a sequence number above `seq`, oldest first. */
  after(seq: number): Entry[] {
    let lo = this.#start;
    let hi = this.#entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#entries[mid] as Entry).seq <= seq) lo = mid + 1;
      else hi = mid;
    }
    return this.#entries.slice(lo) as Entry[];
  }

  /** Every entry held, oldest first. */
  all(): Entry[] {
    return this.#entries.slice(this.#start) as Entry[];
  }
}
