import { concatBytes, utf8Encode } from '../wire/bytes.js';
import { batchFrames, learnCompletions, openingCursor, tooLarge } from './replay-parts.js';
import { formatEvent } from '../wire/encoder.js';
import { RESET_EVENT } from '../wire/reserved.js';
import type { ReplayMissReason, ReplayResult, ReplayStore, StoredEvent } from '../store/replay-store.js';
import type { Subscription } from './subscription.js';

/** What a resumption reports to the hub's counters and hooks. @internal */
export interface ResumeReport {
  replayed(stream: Subscription<object>, count: number): void;
  missed(stream: Subscription<object>, reason: ReplayMissReason, lastEventId: string): void;
  /** A replayed event completed its topic. */
  completed(topic: string): void;
  /** Live events flow on their own now; the stream may have nothing left to wait for. */
  handedOver(stream: Subscription<object>): void;
  /** Held live events the replay had already sent: they were counted as delivered twice. */
  duplicates(count: number): void;
  /** Bytes held for the stream changed by `delta`. */
  held(delta: number): void;
  failed(stream: Subscription<object>, error: unknown): void;
}

/** A live event that arrived while history was being written. */
interface Held {
  readonly topic: string;
  readonly id: string;
  /** Its place in its ordering group, on a store with `ordering`. */
  readonly seq: number | undefined;
  readonly bytes: Uint8Array;
}

/**
 * Owns one resuming subscription from its subscribe to the moment live events flow on their
 * own: the live events held while history is written and their byte budget, the replay itself,
 * the hand-over to live minus the overlap, and the ids replayed whose live copies may still be on
 * their way through the bus. The hub offers it every live event for the stream and tells it when
 * the stream ends; nothing else touches its state.
 *
 * The stream is registered (and so receives live events) before the store is read, so nothing
 * falls between history and live. @internal
 */
export class Resumption {
  readonly #stream: Subscription<object>;
  readonly #budget: number;
  readonly #report: ResumeReport;
  /** Live events held until the history is written; `undefined` once handed over. */
  #held: Held[] | undefined = [];
  #heldBytes = 0;
  /** The client's resume point, until its late live copy (if any) is recognised. */
  #cursor: string | undefined;
  /** A new stream on a store with `ordering`: the head it starts at; held events up to it came before it. */
  #floor = 0;
  /** Replayed ids per topic whose live copies may still arrive; see {@link Resumption.offer}. */
  #replayed: Map<string, Set<string>> | undefined;

  /**
   * @param stream - the subscription; its `resumption` is this until the hand-over is complete.
   * @param budget - bytes of live events it may hold while history is written.
   * @param report - the hub's counters.
   */
  constructor(stream: Subscription<object>, budget: number, report: ResumeReport) {
    this.#stream = stream;
    this.#budget = budget;
    this.#report = report;
    stream.resumption = this;
  }

  /** True while history is being written and live events are held. */
  get holding(): boolean {
    return this.#held !== undefined;
  }

  /**
   * A live event for the stream. Held while history is written (past the budget the stream is
   * evicted: a replay that cannot keep up with live traffic resumes again from the client's
   * id); after that, skipped when the replay already sent it, else queued.
   * @returns whether it counts as delivered.
   */
  offer(event: { readonly topic: string; readonly id: string; readonly seq?: number }, bytes: Uint8Array): boolean {
    const held = this.#held;
    if (held !== undefined) {
      if (event.id === this.#cursor) {
        this.#seenAlready(event.topic);
        return false;
      }
      if (this.#heldBytes + bytes.byteLength > this.#budget) {
        void this.#stream.close('evicted');
        return false;
      }
      held.push({ topic: event.topic, id: event.id, seq: event.seq, bytes });
      this.#heldBytes += bytes.byteLength;
      this.#report.held(bytes.byteLength);
      return true;
    }
    if (this.#isLateCopy(event)) return false;
    return this.#stream.enqueue(bytes);
  }

  /**
   * Writes what the client missed (or, without a cursor, everything the store holds), or
   * `ssekit-reset` when the store cannot say, then hands over to live. Never rejects: a store
   * that fails ends the stream with reason `'error'`.
   * @param store - where the history is.
   * @param lastEventId - the client's cursor; `undefined` for the whole history.
   * @param plan - a history read already (topics that all completed take no more events, so
   * it is final), and whether the whole history follows a reset (it does for completed topics,
   * so a client whose id is gone still gets the run, then the end), and `watched`: settles once
   * the bus delivers every topic of the stream, so that a read made after it misses nothing.
   */
  async run(
    store: ReplayStore,
    lastEventId: string | undefined,
    plan: {
      replay?: ReplayResult;
      historyAfterReset?: boolean;
      maxEvents?: number;
      maxBytes?: number;
      watched?: Promise<void>;
      fromStart?: boolean;
      retry?: number;
    } = {},
  ): Promise<void> {
    this.#cursor = lastEventId;
    let result = plan.replay;
    // On a store ordered per group (Redis Cluster), a new stream starts at its group's head as
    // it opens: the bus may confirm its topic only later, and what is published meanwhile is
    // read from the store.
    const opening =
      result === undefined && lastEventId === undefined && plan.fromStart !== true && store.ordering !== undefined
        ? openingCursor(store.ordering, this.#stream.topics)
        : undefined;
    // Awaited below; a stream that ends first must not leave it rejected and unhandled.
    opening?.catch(() => undefined);
    try {
      if (result === undefined) {
        // Read only once live delivery is sure: what is published meanwhile is held, not lost.
        if (plan.watched !== undefined) await plan.watched;
        if (isClosed(this.#stream)) return;
        if (opening !== undefined) this.#floor = await opening;
        if (isClosed(this.#stream)) return;
      }
      // Live delivery is sure and the start known: what the client publishes once it sees the
      // stream open comes after both.
      this.#stream.open(plan.retry);
      if (result === undefined) {
        // A new stream on a store without ordering waited only for its bus: it starts live.
        const live = lastEventId === undefined && plan.fromStart !== true && opening === undefined;
        const from = this.#floor > 0 ? String(this.#floor) : lastEventId;
        result = live ? { ok: true, events: [] } : await store.since(this.#stream.topics, from);
        const fresh = lastEventId === undefined && plan.fromStart !== true;
        if (fresh && plan.watched !== undefined) await learnCompletions(store, this.#stream.topics, this.#report);
      }
      if (this.#stream.closed) return;
      if (result.ok && tooLarge(result.events, plan.maxEvents ?? Infinity, plan.maxBytes ?? Infinity)) {
        result = { ok: false, reason: 'too_large' };
        plan = { ...plan, historyAfterReset: false };
      }
      if (!result.ok) {
        this.#report.missed(this.#stream, result.reason, lastEventId ?? '');
        const data = JSON.stringify({ reason: result.reason, lastEventId });
        await this.#stream.writePaced([utf8Encode(formatEvent({ event: RESET_EVENT, data }))]);
        // A cursor older than all the store holds (it lost its data): all of it follows the reset,
        // within the replay bounds, so the client rebuilds from it instead of starting live.
        const rebuild = result.predates === true && plan.historyAfterReset !== true;
        if ((plan.historyAfterReset !== true && !rebuild) || isClosed(this.#stream)) {
          if (!isClosed(this.#stream)) this.#handOver([]);
          return;
        }
        result = await store.since(this.#stream.topics, undefined);
        const over =
          rebuild && result.ok && tooLarge(result.events, plan.maxEvents ?? Infinity, plan.maxBytes ?? Infinity);
        if (!result.ok || over || isClosed(this.#stream)) {
          if (!isClosed(this.#stream)) this.#handOver([]);
          return;
        }
      }
    } catch (err) {
      this.#report.failed(this.#stream, err);
      void this.#stream.close('error');
      return;
    }
    for (const event of result.events) if (event.final === true) this.#report.completed(event.topic);
    await this.#stream.writePaced(batchFrames(result.events));
    this.#report.replayed(this.#stream, result.events.length);
    if (isClosed(this.#stream)) return;
    this.#handOver(result.events);
  }

  /**
   * The live copy of the client's resume point came in late (published before the stream
   * opened, still on its way to this process): it, and whatever its topic had held before it,
   * the client has seen.
   */
  #seenAlready(topic: string): void {
    this.#cursor = undefined;
    const held = this.#held ?? [];
    const seen = held.filter((item) => item.topic === topic);
    if (seen.length === 0) return;
    this.#held = held.filter((item) => item.topic !== topic);
    const bytes = seen.reduce((sum, item) => sum + item.bytes.byteLength, 0);
    this.#heldBytes -= bytes;
    this.#report.held(-bytes);
    this.#report.duplicates(seen.length);
  }

  /** The stream ended: what was held is given back. */
  release(): void {
    if (this.#heldBytes > 0) this.#report.held(-this.#heldBytes);
    this.#held = undefined;
    this.#heldBytes = 0;
    this.#replayed = undefined;
  }

  /** Queues the held live events the replay did not already send, then lets live events flow. */
  #handOver(replayed: readonly StoredEvent[]): void {
    const held = this.#held ?? [];
    this.release();
    const ids = new Set(replayed.map((event) => event.id));
    // Held events at or below the head a new stream started at came before it, late: written
    // after the history, they would come out of order (the client cannot have caused them).
    const floor = this.#floor;
    const live = held.filter((item) => !ids.has(item.id) && !(floor > 0 && (item.seq ?? Infinity) <= floor));
    this.#report.duplicates(held.length - live.length);
    if (replayed.length > 0 || this.#cursor !== undefined) this.#watchLateCopies(replayed, live);
    if (this.#replayed === undefined) this.#stream.resumption = undefined;
    if (live.length > 0) {
      const total = live.reduce((sum, item) => sum + item.bytes.byteLength, 0);
      const chunks = live.map((item) => item.bytes);
      this.#stream.enqueue(concatBytes(chunks, total));
    }
    this.#stream.flush();
    this.#report.handedOver(this.#stream);
  }

  /**
   * With a shared store, a replay can include events whose live copy is still on its way through
   * the bus, and so can the client's resume point. Their ids are remembered per topic until the
   * first live event on that topic that was not replayed: the bus delivers in store order, so
   * nothing older can follow it (nor follow one that arrived during the replay).
   */
  #watchLateCopies(events: readonly StoredEvent[], live: readonly Held[]): void {
    const byTopic = new Map<string, Set<string>>();
    const watch = (topic: string, id: string): void => {
      const ids = byTopic.get(topic);
      if (ids === undefined) byTopic.set(topic, new Set([id]));
      else ids.add(id);
    };
    for (const event of events) watch(event.topic, event.id);
    // The resume point is on one of the stream's topics; which one, its id does not say.
    if (this.#cursor !== undefined) for (const topic of this.#stream.topics) watch(topic, this.#cursor);
    for (const item of live) byTopic.delete(item.topic);
    this.#replayed = byTopic.size > 0 ? byTopic : undefined;
  }

  /** True when `event` is a late live copy of a replayed event, which is skipped. */
  #isLateCopy(event: { readonly topic: string; readonly id: string }): boolean {
    const byTopic = this.#replayed;
    const ids = byTopic?.get(event.topic);
    if (byTopic === undefined || ids === undefined) return false;
    const late = ids.has(event.id);
    if (late) ids.delete(event.id);
    if (!late || ids.size === 0) byTopic.delete(event.topic);
    if (byTopic.size === 0) {
      this.#replayed = undefined;
      this.#stream.resumption = undefined;
    }
    return late;
  }
}

// A stream may end while a replay awaits; read the flag afresh rather than a narrowed copy.
function isClosed(stream: Subscription<object>): boolean {
  return stream.closed;
}
