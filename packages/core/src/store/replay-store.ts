import type { StoreOrdering } from './ordering.js';

/**
 * An event to store: its topic, its body (opaque text the hub formatted; a store keeps it byte
 * for byte and never looks inside), and optionally an id the publisher chose.
 */
export interface NewEvent {
  /** The topic it is published on; already checked against the topic grammar. */
  readonly topic: string;
  /** The event's text, to keep exactly as given. */
  readonly body: string;
  /** A caller-given id, already checked against the id grammar, to use instead of assigning one. */
  readonly id?: string;
  /**
   * True for the topic's last event: the store records the topic as completed, and refuses any
   * later append to it with `SsekitError('completed')`.
   */
  readonly final?: boolean;
  /**
   * How long the topic's history (and its completion) is kept after this append, ms; `0` keeps
   * it. Given on a topic's first append, or to change it; otherwise the store's default applies.
   */
  readonly ttlMs?: number;
}

/** An event as a store keeps it: its topic, its id, and its body. */
export interface StoredEvent {
  /** The topic it was published on. */
  readonly topic: string;
  /** Its id, unique within the store; see {@link ReplayStore} for the order ids must keep. */
  readonly id: string;
  /** The body it was appended with, unchanged. */
  readonly body: string;
  /** True when it completed its topic. */
  readonly final?: boolean;
  /**
   * Its place in its topic's ordering group, for a store with
   * {@link ReplayStore.ordering}; left out otherwise.
   */
  readonly seq?: number;
}

/** What {@link ReplayStore.since} found. */
export type ReplayResult =
  /** Every event after the cursor on the asked topics, oldest first. */
  | { readonly ok: true; readonly events: readonly StoredEvent[] }
  /**
   * The cursor cannot be resumed from: `'unknown'` (never issued by this store, or from before a
   * restart), `'too_old'` (events after it were already trimmed from at least one topic) or
   * `'forgotten'` (a topic's whole history was dropped: its time to live passed, or the store
   * made room for newer topics). `predates` (optional): the cursor is older than everything the
   * store holds (it lost its data, say a Redis restarted empty), so all of it came after the
   * cursor: the hub sends it after `ssekit-reset`, within its replay bounds, for the client to
   * rebuild from rather than start live.
   */
  | { readonly ok: false; readonly reason: ReplayMissReason; readonly predates?: boolean };

/**
 * Why a resume point cannot be served: a store's reasons (see {@link ReplayResult}), or
 * `'too_large'`, the hub's own, when the history is over the hub's `maxReplayEvents` or
 * `maxReplayBytes`.
 */
export type ReplayMissReason = 'unknown' | 'too_old' | 'forgotten' | 'too_large';

/**
 * History for resumption, and the source of event ids: the hub appends every published event
 * (the store assigns its id) and asks for what a reconnecting client missed. A store keeps
 * records of `(topic, id, body)` and knows nothing of the wire format: the hub builds every
 * frame.
 *
 * Implementers must guarantee:
 * - Ids are unique, match `[A-Za-z0-9._~-]{1,128}`, and follow append order: every id the store
 *   gives out can be passed back to {@link ReplayStore.since}, which returns exactly what was
 *   appended after it. A caller-given id is used as is; the store still orders it by append.
 * - {@link ReplayStore.since} returns, oldest first, every event after the cursor on the asked
 *   topics, or says the cursor cannot be resumed from. It never returns a partial list silently.
 * - A topic whose final event was appended is completed: later appends to it throw
 *   `SsekitError('completed')`, and {@link ReplayStore.completed} says so until the topic is
 *   forgotten.
 * - A bounded history per topic, kept for the topic's time to live after its last append:
 *   memory never grows without limit.
 *
 * `defineReplayStoreConformance` in `@ssekit/testkit` checks all of it; a new backend passes it
 * and nothing else.
 */
export interface ReplayStore {
  /**
   * Stores one event and assigns its id.
   * @param event - topic, body, and optionally a caller-given id, `final` and `ttlMs`.
   * @returns the stored event, with its id.
   * @throws SsekitError `completed` when the topic completed already.
   */
  append(event: NewEvent): Promise<StoredEvent> | StoredEvent;
  /**
   * The events a client missed, each topic's final one included.
   * @param topics - the topics of the stream, validated.
   * @param lastEventId - the cursor: an id in the id grammar, not necessarily one this store
   * gave; `undefined` for everything the store holds on those topics. For a store with
   * {@link ReplayStore.ordering}, a stream whose topics span several groups passes a group cursor
   * instead (`encodeGroupCursor`: one position per group, read back with
   * `decodeGroupCursor` for the same groups): the store returns, each with its `seq`, every
   * event of each group above that group's position (position 0: all it holds), or `'unknown'`
   * for a cursor of other groups; `'too_old'` and `'forgotten'` apply per group as for an id.
   */
  since(topics: readonly string[], lastEventId: string | undefined): Promise<ReplayResult> | ReplayResult;
  /**
   * Which of `topics` have completed (their final event was appended and is still held).
   * @param topics - validated topic names.
   */
  completed(topics: readonly string[]): Promise<readonly string[]> | readonly string[];
  /**
   * Optional, for a store that shares a transport with the bus the hub uses: appends and hands
   * the envelope (the stored event plus `origin`) to that bus in one atomic step, so the bus
   * carries events in id order even when several processes publish at once. When present the
   * hub calls it instead of `append` followed by `bus.publish`. Most stores leave it out.
   * @param event - as for {@link ReplayStore.append}.
   * @param origin - the publishing hub's id, for the envelope.
   */
  appendAndPublish?(event: NewEvent, origin: string): Promise<StoredEvent>;
  /**
   * Optional, for a store whose ids are ordered per group of topics rather than across all of
   * them (see {@link StoreOrdering}). Without it, ids follow append order across every topic.
   */
  readonly ordering?: StoreOrdering;
  /** Releases connections or timers. */
  close?(): Promise<void> | void;
}
