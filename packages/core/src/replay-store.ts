/**
 * One event as the replay store keeps it: the topic, its id, and the complete wire block
 * (`id:` line included) that every subscriber receives.
 */
export interface StoredEvent {
  /** The topic it was published on. */
  readonly topic: string;
  /** Its id, unique and increasing within the store (across topics, so one cursor orders all). */
  readonly id: string;
  /** The complete event block, ending in a blank line. */
  readonly frame: string;
}

/** What {@link ReplayStore.since} found. */
export type ReplayResult =
  /** Every event after the cursor on the asked topics, oldest first. */
  | { readonly ok: true; readonly events: readonly StoredEvent[] }
  /**
   * The cursor cannot be resumed from: `'unknown'` (never issued by this store, or from before a
   * restart) or `'too_old'` (events after it were already trimmed from at least one topic).
   */
  | { readonly ok: false; readonly reason: 'unknown' | 'too_old' };

/** What {@link ReplayStore.append} returns. */
export interface AppendResult {
  /** The stored event, with its id. */
  readonly stored: StoredEvent;
  /**
   * True when the store also handed the event to the bus in the same atomic step (a Redis
   * script that appends and publishes). The hub then skips its own `bus.publish`.
   */
  readonly published?: boolean;
}

/**
 * History for resumption, and the source of event ids. The hub appends every published event
 * (the store assigns its id) and asks for what a reconnecting client missed.
 *
 * Implementers must guarantee:
 * - Ids are unique and increase in append order across all topics of the store, and match
 *   `[A-Za-z0-9._~-]{1,128}`. A caller-given id (`append(topic, frame, id)`) is used as is;
 *   the store still orders it by append.
 * - {@link ReplayStore.since} returns, oldest first, every event after the cursor on the
 *   asked topics, or says the cursor cannot be resumed from. It never returns a partial list
 *   silently.
 * - A bounded log per topic: memory never grows without limit.
 *
 * `@ssekit/testkit` holds a conformance suite every implementation should pass.
 */
export interface ReplayStore {
  /**
   * Stores one event and assigns its id.
   * @param topic - a validated topic name.
   * @param body - the event block without its `id:` line (the store prepends `id: ID\n`).
   * @param id - a caller-given, validated id to use instead of assigning one.
   * @param origin - the publishing hub's id; a store that also publishes (`published: true`)
   * puts it in the envelope, so the hub recognises its own event when it comes back.
   */
  append(topic: string, body: string, id?: string, origin?: string): Promise<AppendResult> | AppendResult;
  /**
   * The events a client missed.
   * @param topics - the topics of the stream, validated.
   * @param lastEventId - the cursor, already checked against the id grammar.
   */
  since(topics: readonly string[], lastEventId: string): Promise<ReplayResult> | ReplayResult;
  /** Releases connections or timers. */
  close?(): Promise<void> | void;
}
