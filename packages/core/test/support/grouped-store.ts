import { SsekitError, decodeGroupCursor } from '../../src/index.js';
import type { NewEvent, ReplayResult, ReplayStore, StoreOrdering, StoredEvent } from '../../src/index.js';
import type { Gate } from './helpers.js';

/** One group's history: its counter and each topic's bounded log. */
interface GroupState {
  last: number;
  readonly logs: Map<string, TopicState>;
  /** Caller-given ids of the group, to their seq. */
  readonly given: Map<string, number>;
}

interface TopicState {
  readonly events: StoredEvent[];
  /** Highest seq trimmed from the log, or 0. */
  trimmedUpTo: number;
  completed: boolean;
}

/**
 * A real in-memory {@link ReplayStore} whose ids are ordered per group of topics, as a Redis
 * Cluster store's are per hash slot: each group has its own counter (`seq`), and an event's id is
 * its seq in decimal, or the id its publisher gave. `since` takes a plain id when the topics lie
 * in one group and a group cursor otherwise. Each topic keeps its last `size` events; a cursor
 * from before them is `too_old`.
 */
export class GroupedMemoryStore implements ReplayStore {
  readonly ordering: StoreOrdering;
  readonly #groupOf: (topic: string) => string;
  readonly #size: number;
  readonly #groups = new Map<string, GroupState>();
  /** When set, `since` and `heads` reject with it. */
  fail: Error | undefined;
  /** When set, `heads` waits for it before it reads (a slow round trip at a stream's start). */
  holdHeads: Gate | undefined;
  /** When set, `since` waits for it before it reads (what is published meanwhile is read too). */
  holdSince: Gate | undefined;
  /** Seqs at or below it were lost with the store's data (see {@link GroupedMemoryStore.lose}). */
  readonly #lostUpTo = new Map<string, number>();
  /** Calls to `ordering.heads`. */
  headsCalls = 0;
  /** Calls to `since`, for tests that check what the hub asked. */
  readonly sinceCalls: { topics: readonly string[]; lastEventId: string | undefined }[] = [];

  /**
   * @param options - `group`: each topic's group (default: the topic itself); `size`: events
   * kept per topic (default 1000).
   */
  constructor(options: { group?: (topic: string) => string; size?: number } = {}) {
    this.#groupOf = options.group ?? ((topic) => topic);
    this.#size = options.size ?? 1000;
    this.ordering = {
      groupOf: (topic) => this.#groupOf(topic),
      heads: async (groups) => {
        this.headsCalls++;
        if (this.holdHeads !== undefined) await this.holdHeads.promise;
        if (this.fail !== undefined) throw this.fail;
        return new Map(groups.map((group) => [group, this.#groups.get(group)?.last ?? 0]));
      },
    };
  }

  append(event: NewEvent): StoredEvent {
    const group = this.#group(this.#groupOf(event.topic));
    const log = topicLog(group, event.topic);
    if (log.completed) throw new SsekitError('completed', `ssekit: topic ${event.topic} completed.`);
    const seq = ++group.last;
    const id = event.id ?? String(seq);
    const stored: StoredEvent = {
      topic: event.topic,
      id,
      body: event.body,
      seq,
      ...(event.final === true ? { final: true } : {}),
    };
    if (event.id !== undefined) group.given.set(event.id, seq);
    log.events.push(stored);
    if (event.final === true) log.completed = true;
    if (log.events.length > this.#size) log.trimmedUpTo = (log.events.shift() as StoredEvent).seq as number;
    return stored;
  }

  async since(topics: readonly string[], lastEventId: string | undefined): Promise<ReplayResult> {
    this.sinceCalls.push({ topics, lastEventId });
    await Promise.resolve();
    if (this.holdSince !== undefined) await this.holdSince.promise;
    if (this.fail !== undefined) throw this.fail;
    const groups = [...new Set(topics.map((topic) => this.#groupOf(topic)))].sort();
    let positions: Map<string, number> | undefined;
    if (lastEventId === undefined) positions = new Map(groups.map((group) => [group, 0]));
    else if (groups.length === 1) {
      const group = this.#group(groups[0] as string);
      const seq = group.given.get(lastEventId) ?? (/^\d{1,15}$/.test(lastEventId) ? Number(lastEventId) : undefined);
      positions = seq === undefined ? undefined : new Map([[groups[0] as string, seq]]);
    } else positions = decodeGroupCursor(lastEventId, groups);
    if (positions === undefined) return { ok: false, reason: 'unknown' };
    const events: StoredEvent[] = [];
    for (const name of groups) {
      const group = this.#group(name);
      const position = positions.get(name) ?? 0;
      if (position > group.last) return { ok: false, reason: 'unknown' };
      if (position > 0 && position <= (this.#lostUpTo.get(name) ?? 0)) {
        return { ok: false, reason: 'unknown', predates: true };
      }
      const mine: StoredEvent[] = [];
      for (const topic of topics) {
        if (this.#groupOf(topic) !== name) continue;
        const log = group.logs.get(topic);
        if (log === undefined) continue;
        if (lastEventId !== undefined && log.trimmedUpTo > position) return { ok: false, reason: 'too_old' };
        for (const event of log.events) if ((event.seq as number) > position) mine.push(event);
      }
      // In seq order within a group; groups one after the other, as a store that reads each
      // group on its own connection may return them.
      events.push(...mine.sort((a, b) => (a.seq as number) - (b.seq as number)));
    }
    return { ok: true, events };
  }

  /**
   * Loses every event, as a Redis that restarts empty: counters go on from where they were (the
   * hybrid clock of a real store), and a cursor from before is `unknown` and `predates` what the
   * store holds now. With `only`, just those groups lose theirs (one shard of a cluster).
   */
  lose(only?: readonly string[]): void {
    for (const [name, group] of this.#groups) {
      if (only !== undefined && !only.includes(name)) continue;
      group.logs.clear();
      group.given.clear();
      this.#lostUpTo.set(name, group.last);
    }
  }

  completed(topics: readonly string[]): readonly string[] {
    return topics.filter((topic) => this.#groups.get(this.#groupOf(topic))?.logs.get(topic)?.completed === true);
  }

  #group(name: string): GroupState {
    let group = this.#groups.get(name);
    if (group === undefined) {
      group = { last: 0, logs: new Map(), given: new Map() };
      this.#groups.set(name, group);
    }
    return group;
  }
}

function topicLog(group: GroupState, topic: string): TopicState {
  let log = group.logs.get(topic);
  if (log === undefined) {
    log = { events: [], trimmedUpTo: 0, completed: false };
    group.logs.set(topic, log);
  }
  return log;
}
