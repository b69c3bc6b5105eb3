import { SsekitError } from '@ssekit/core';
import type { NewEvent, ReplayResult, ReplayStore, StoredEvent } from '@ssekit/core';

interface Kept {
  readonly seq: number;
  readonly event: StoredEvent;
}

/** A replay store in a few dozen lines: it keeps `(topic, id, body)` records in order, and nothing else. */
export class ListReplayStore implements ReplayStore {
  // Ids count up from the creation time in microseconds: 16 digits, so they compare alike as
  // strings and as numbers, and an id from an earlier run is older than every id of this one.
  readonly #base = Date.now() * 1000;
  #last = this.#base;
  readonly #topics = new Map<string, { kept: Kept[]; trimmed: number; done: boolean }>();
  readonly #given = new Map<string, number>(); // caller-given ids, to their place in the order

  constructor(readonly size = 1000) {}

  append(event: NewEvent): StoredEvent {
    const log = this.#topics.get(event.topic) ?? { kept: [], trimmed: 0, done: false };
    if (log.done) throw new SsekitError('completed', `ssekit: topic ${event.topic} has completed.`);
    const seq = ++this.#last;
    const { topic, body, final } = event;
    const stored: StoredEvent =
      final === true
        ? { topic, id: event.id ?? String(seq), body, final }
        : { topic, id: event.id ?? String(seq), body };
    if (event.id !== undefined) this.#given.set(event.id, seq);
    this.#topics.set(topic, log);
    log.done = final === true;
    log.kept.push({ seq, event: stored });
    for (let old = log.kept[0]; old !== undefined && log.kept.length > this.size; old = log.kept[0]) {
      log.kept.shift();
      log.trimmed = old.seq;
      if (this.#given.get(old.event.id) === old.seq) this.#given.delete(old.event.id);
    }
    return stored;
  }

  since(topics: readonly string[], lastEventId: string | undefined): ReplayResult {
    const given = lastEventId === undefined ? this.#base : this.#given.get(lastEventId);
    const seq = given ?? (/^\d{16}$/.test(lastEventId ?? '') ? Number(lastEventId) : 0);
    if (seq < this.#base || seq > this.#last) return { ok: false, reason: 'unknown' };
    const found: Kept[] = [];
    for (const topic of topics) {
      const log = this.#topics.get(topic);
      if (log === undefined) continue;
      // A gap the client cannot be given: it gets `ssekit-reset` instead (without a cursor, none).
      if (lastEventId !== undefined && log.trimmed > seq) return { ok: false, reason: 'too_old' };
      found.push(...log.kept.filter((kept) => kept.seq > seq));
    }
    return { ok: true, events: found.sort((a, b) => a.seq - b.seq).map((kept) => kept.event) };
  }

  completed(topics: readonly string[]): readonly string[] {
    return topics.filter((topic) => this.#topics.get(topic)?.done === true);
  }
}
