import { SsekitError } from '../errors.js';
import type { NewEvent, ReplayResult, ReplayStore, StoredEvent } from './replay-store.js';

/** Options of {@link MemoryReplayStore}. */
export interface MemoryReplayStoreOptions {
  /**
   * How many recent events each topic keeps for resumption.
   * @default 1000
   */
  size?: number;
}

interface Entry {
  readonly seq: number;
  readonly stored: StoredEvent;
}

/** A fixed-size log: appending past capacity forgets the oldest entry. */
class TopicLog {
  /** Slots before `#start` are emptied as entries are forgotten. */
  readonly #entries: (Entry | undefined)[] = [];
  #start = 0;
  /** Highest sequence number forgotten, or -1. */
  trimmedUpTo = -1;

  constructor(readonly capacity: number) {}

  push(entry: Entry): Entry | undefined {
    this.#entries.push(entry);
    if (this.#entries.length - this.#start <= this.capacity) return undefined;
    const evicted = this.#entries[this.#start] as Entry;
    // Dropped now, not at the next compaction: an entry holds its event's whole frame, and up to
    // 1024 forgotten ones would otherwise stay reachable per topic.
    this.#entries[this.#start++] = undefined;
    this.trimmedUpTo = evicted.seq;
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
}

/**
 * The in-process {@link ReplayStore}: a bounded log per topic.
 *
 * Ids are decimal integers that start at the store's creation time in microseconds and count up
 * by one per event, across all topics. So they increase per topic (as numbers and, at a fixed
 * 16 digits, as strings too), and ids from an earlier run of the process are older than every
 * id of this one: a client that resumes across a restart is told its id is unknown instead of
 * being replayed the wrong events.
 */
export class MemoryReplayStore implements ReplayStore {
  readonly #size: number;
  readonly #base: number;
  #last: number;
  readonly #topics = new Map<string, TopicLog>();
  /** Caller-given ids still in a log, to their sequence number. */
  readonly #given = new Map<string, number>();

  /** @param options - how many events per topic to keep. */
  constructor(options: MemoryReplayStoreOptions = {}) {
    const size = options.size ?? 1000;
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new SsekitError('invalid_option', 'ssekit: the replay store `size` must be a non-negative integer.');
    }
    this.#size = size;
    this.#base = Date.now() * 1000;
    this.#last = this.#base;
  }

  /** {@inheritDoc ReplayStore.append} */
  append(event: NewEvent): StoredEvent {
    const { topic, body, id } = event;
    const seq = ++this.#last;
    const stored: StoredEvent = { topic, id: id ?? String(seq), body };
    // With size 0 the log still records what it forgot, so `since` can say `too_old`.
    let log = this.#topics.get(topic);
    if (log === undefined) {
      log = new TopicLog(this.#size);
      this.#topics.set(topic, log);
    }
    if (id !== undefined) this.#given.set(id, seq);
    const evicted = log.push({ seq, stored });
    if (evicted !== undefined && this.#given.get(evicted.stored.id) === evicted.seq) {
      this.#given.delete(evicted.stored.id);
    }
    return stored;
  }

  /** {@inheritDoc ReplayStore.since} */
  since(topics: readonly string[], lastEventId: string): ReplayResult {
    const seq = this.#given.get(lastEventId) ?? this.#parse(lastEventId);
    if (seq === undefined) return { ok: false, reason: 'unknown' };
    const lists: Entry[][] = [];
    for (const topic of topics) {
      const log = this.#topics.get(topic);
      if (log === undefined) continue;
      if (log.trimmedUpTo > seq) return { ok: false, reason: 'too_old' };
      const after = log.after(seq);
      if (after.length > 0) lists.push(after);
    }
    const merged = lists.length === 1 ? (lists[0] as Entry[]) : lists.flat().sort((a, b) => a.seq - b.seq);
    return { ok: true, events: merged.map((entry) => entry.stored) };
  }

  #parse(id: string): number | undefined {
    if (!/^\d{1,16}$/.test(id)) return undefined;
    const seq = Number(id);
    // Before this store existed (an earlier run) or not issued yet: not ours.
    if (seq < this.#base || seq > this.#last) return undefined;
    return seq;
  }
}
