import { SsekitError } from '../errors.js';
import type { NewEvent, ReplayResult, ReplayStore, StoredEvent } from './replay-store.js';
import { ExpiryQueue } from './expiry-queue.js';
import { TopicLog } from './topic-log.js';
import type { Entry } from './topic-log.js';

/** Options of {@link MemoryReplayStore}. */
export interface MemoryReplayStoreOptions {
  /**
   * How many recent events each topic keeps for resumption.
   * @default 1000
   */
  size?: number;
  /**
   * How long a topic's history (and its completion) is kept after its last publish, ms; `0`
   * keeps it for good. A publisher may give a topic its own (`ttlMs`).
   * @default completed topics one hour (3600000), open topics for good
   */
  topicTtlMs?: number;
  /**
   * Most topics kept; past it, the least recently published ones are forgotten first.
   * @default 10000
   */
  maxTopics?: number;
  /**
   * Most event text kept across all topics, counted in characters (bytes for ASCII); past it,
   * the least recently published topics are forgotten first, whole.
   * @default 67108864 (64 MiB)
   */
  maxBytes?: number;
}

/** A completed topic's default time to live: long enough to resume or reload a finished run. */
const COMPLETED_TTL_MS = 60 * 60 * 1000;
/** Forgotten topics remembered, so a resume into one is told so rather than replayed nothing. */
const TOMBSTONES = 10_000;

function nonNegative(value: number | undefined, name: string, fallback: number): number {
  const result = value ?? fallback;
  if (!Number.isSafeInteger(result) || result < 0) {
    throw new SsekitError('invalid_option', `ssekit: the replay store \`${name}\` must be a non-negative integer.`);
  }
  return result;
}

/**
 * The in-process {@link ReplayStore}: a bounded log per topic, topics kept for their time to
 * live after their last publish, at most `maxTopics` of them and `maxBytes` of event text.
 *
 * Ids are decimal integers that start at the store's creation time in microseconds and count up
 * by one per event, across all topics. So they increase per topic (as numbers and, at a fixed
 * 16 digits, as strings too), and ids from an earlier run of the process are older than every
 * id of this one: a client that resumes across a restart is told its id is unknown instead of
 * being replayed the wrong events.
 */
export class MemoryReplayStore implements ReplayStore {
  readonly #size: number;
  readonly #ttlMs: number | undefined;
  readonly #maxTopics: number;
  readonly #maxBytes: number;
  readonly #base: number;
  #last: number;
  #bytes = 0;
  /** Topic logs, least recently published first. */
  readonly #topics = new Map<string, TopicLog>();
  /** Caller-given ids still in a log, to their sequence number. */
  readonly #given = new Map<string, number>();
  /** Forgotten topics, to the last sequence number they held. */
  readonly #forgotten = new Map<string, number>();
  readonly #expiries = new ExpiryQueue();

  /** @param options - how many events per topic, for how long, how many topics and bytes. */
  constructor(options: MemoryReplayStoreOptions = {}) {
    this.#size = nonNegative(options.size, 'size', 1000);
    this.#ttlMs = options.topicTtlMs === undefined ? undefined : nonNegative(options.topicTtlMs, 'topicTtlMs', 0);
    this.#maxTopics = nonNegative(options.maxTopics, 'maxTopics', 10_000);
    this.#maxBytes = nonNegative(options.maxBytes, 'maxBytes', 64 * 1024 * 1024);
    if (this.#maxTopics < 1) {
      throw new SsekitError('invalid_option', 'ssekit: the replay store `maxTopics` must be at least 1.');
    }
    this.#base = Date.now() * 1000;
    this.#last = this.#base;
  }

  /** {@inheritDoc ReplayStore.append} */
  append(event: NewEvent): StoredEvent {
    const { topic, body, id } = event;
    const now = Date.now();
    this.#sweep(now);
    let log = this.#topics.get(topic);
    if (log?.finalSeq !== undefined) {
      throw new SsekitError('completed', `ssekit: topic ${JSON.stringify(topic)} completed; it takes no more events.`);
    }
    const seq = ++this.#last;
    const stored: StoredEvent =
      event.final === true
        ? { topic, id: id ?? String(seq), body, final: true }
        : { topic, id: id ?? String(seq), body };
    if (log === undefined) {
      // With size 0 the log still records what it forgot, so `since` can say `too_old`.
      log = new TopicLog(this.#size);
      this.#forgotten.delete(topic);
    } else {
      // Moved to the end: the map is kept in order of last publish.
      this.#topics.delete(topic);
    }
    this.#topics.set(topic, log);
    if (event.ttlMs !== undefined) log.ttlMs = event.ttlMs;
    if (event.final === true) log.finalSeq = seq;
    if (id !== undefined) this.#given.set(id, seq);
    const evicted = log.push({ seq, stored, size: body.length });
    this.#bytes += body.length;
    if (evicted !== undefined) this.#dropEntry(evicted);
    const ttl = this.#ttlOf(log);
    log.expiresAt = ttl === 0 ? Infinity : now + ttl;
    if (ttl > 0) this.#expiries.push(log.expiresAt, topic);
    if (this.#expiries.size > 2 * this.#topics.size + 64) {
      this.#expiries.compact((entry) => this.#topics.get(entry.topic)?.expiresAt === entry.at);
    }
    this.#trim();
    return stored;
  }

  /** {@inheritDoc ReplayStore.since} */
  since(topics: readonly string[], lastEventId: string | undefined): ReplayResult {
    this.#sweep(Date.now());
    const seq = lastEventId === undefined ? -1 : (this.#given.get(lastEventId) ?? this.#parse(lastEventId));
    if (seq === undefined) return { ok: false, reason: 'unknown' };
    const lists: Entry[][] = [];
    for (const topic of topics) {
      const log = this.#topics.get(topic);
      if (log === undefined) {
        // A topic forgotten after the cursor: what the client missed is gone with it.
        if (lastEventId !== undefined && (this.#forgotten.get(topic) ?? -1) > seq)
          return { ok: false, reason: 'forgotten' };
        continue;
      }
      if (lastEventId !== undefined && log.trimmedUpTo > seq) return { ok: false, reason: 'too_old' };
      const after = lastEventId === undefined ? log.all() : log.after(seq);
      if (after.length > 0) lists.push(after);
    }
    const merged = lists.length === 1 ? (lists[0] as Entry[]) : lists.flat().sort((a, b) => a.seq - b.seq);
    return { ok: true, events: merged.map((entry) => entry.stored) };
  }

  /** {@inheritDoc ReplayStore.completed} */
  completed(topics: readonly string[]): readonly string[] {
    this.#sweep(Date.now());
    return topics.filter((topic) => this.#topics.get(topic)?.finalSeq !== undefined);
  }

  /** Topics held now, and the event text they hold, for tests and stats. */
  get size(): { topics: number; bytes: number } {
    return { topics: this.#topics.size, bytes: this.#bytes };
  }

  #ttlOf(log: TopicLog): number {
    return log.ttlMs ?? this.#ttlMs ?? (log.finalSeq !== undefined ? COMPLETED_TTL_MS : 0);
  }

  /** Forgets the topics whose time to live passed. */
  #sweep(now: number): void {
    for (let due = this.#expiries.popDue(now); due !== undefined; due = this.#expiries.popDue(now)) {
      const log = this.#topics.get(due.topic);
      // A stale entry: the topic was published again since (a later expiry), or is gone.
      if (log?.expiresAt === due.at) this.#forget(due.topic, log);
    }
  }

  /** Forgets the least recently published topics while over `maxTopics` or `maxBytes`. */
  #trim(): void {
    for (const [topic, log] of this.#topics) {
      if (this.#topics.size <= this.#maxTopics && this.#bytes <= this.#maxBytes) return;
      // The topic just published to goes last, and only when it alone is over the budget.
      this.#forget(topic, log);
    }
  }

  #forget(topic: string, log: TopicLog): void {
    this.#topics.delete(topic);
    for (const entry of log.all()) this.#dropEntry(entry);
    this.#forgotten.delete(topic);
    this.#forgotten.set(topic, log.lastSeq);
    if (this.#forgotten.size > TOMBSTONES) this.#forgotten.delete(this.#forgotten.keys().next().value as string);
  }

  /** An entry left its log: its bytes and caller-given id go with it. */
  #dropEntry(entry: Entry): void {
    this.#bytes -= entry.size;
    if (this.#given.get(entry.stored.id) === entry.seq) this.#given.delete(entry.stored.id);
  }

  #parse(id: string): number | undefined {
    if (!/^\d{1,16}$/.test(id)) return undefined;
    const seq = Number(id);
    // Before this store existed (an earlier run) or not issued yet: not ours.
    if (seq < this.#base || seq > this.#last) return undefined;
    return seq;
  }
}
