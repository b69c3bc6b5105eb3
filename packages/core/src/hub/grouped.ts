import { concatBytes, utf8Encode } from '../wire/bytes.js';
import { formatEvent } from '../wire/encoder.js';
import { eventFrame } from '../wire/frames.js';
import { RESET_EVENT } from '../wire/reserved.js';
import { decodeGroupCursor, encodeGroupCursor } from '../store/ordering.js';
import type { ReplayResult, ReplayStore, StoredEvent } from '../store/replay-store.js';
import type { StreamGroups } from './groups.js';
import type { ResumeReport } from './resumption.js';
import { learnCompletions, tooLarge } from './replay-parts.js';
import type { Subscription } from './subscription.js';

/** How a grouped stream starts: as {@link Resumption.run}'s plan, plus whether it replays. @internal */
export interface GroupedPlan {
  /** A history read already by `prepare`, for the client's cursor (or from the start). */
  readonly replay?: ReplayResult;
  /** The whole history follows a reset (its topics completed). */
  readonly historyAfterReset?: boolean;
  readonly maxEvents?: number;
  readonly maxBytes?: number;
  /** Settles once the bus delivers every topic of the stream. */
  readonly watched?: Promise<void>;
  /** Without a cursor: everything the store holds (`from: 'start'`), not the heads. */
  readonly fromStart?: boolean;
  /** The retry hint its first bytes carry. */
  readonly retry?: number;
}

interface Held {
  readonly event: StoredEvent;
  readonly size: number;
}

const REPLAY_BATCH_BYTES = 64 * 1024;
const NOTHING: ReplayResult = { ok: true, events: [] };
const UNKNOWN: ReplayResult = { ok: false, reason: 'unknown' };

/**
 * The live path of a stream whose topics span several ordering groups, for its whole life. Its
 * ids are cursors of one position per group, so each of its frames is its own. One rule decides
 * every write, replayed or live: an event of group g with seq s goes out iff s is above the
 * position of g, which then becomes s. Across groups events may come in any relative order; each
 * id carries every position, so resuming from any of them is exact. The rule also drops the
 * overlap of replay and live and the events in flight from before a new stream's start.
 *
 * Live events that come before the positions are set are held, within the same byte budget as
 * {@link Resumption}, and go through the rule once the history is written. @internal
 */
export class GroupedStream {
  readonly #stream: Subscription<object>;
  readonly #grouping: StreamGroups;
  readonly #budget: number;
  readonly #report: ResumeReport;
  /** Unset until the stream's start is known; every group has one before the first write. */
  #positions: Map<string, number> | undefined;
  #held: Held[] | undefined = [];
  #heldBytes = 0;

  /**
   * @param stream - the subscription; its `resumption` is this for its whole life.
   * @param grouping - its topics' groups (at least two).
   * @param budget - bytes of live events it may hold while its start is read.
   * @param report - the hub's counters.
   */
  constructor(stream: Subscription<object>, grouping: StreamGroups, budget: number, report: ResumeReport) {
    this.#stream = stream;
    this.#grouping = grouping;
    this.#budget = budget;
    this.#report = report;
    stream.resumption = this;
  }

  /** True until the history is written and held events are released. */
  get holding(): boolean {
    return this.#held !== undefined;
  }

  /**
   * A live event for the stream. `shared` (the frame other streams get) only measures what is
   * held: this stream writes its own id.
   * @returns whether it counts as delivered.
   */
  offer(event: StoredEvent, shared: Uint8Array): boolean {
    const held = this.#held;
    if (held === undefined) return this.#write(event);
    const size = shared.byteLength;
    if (this.#heldBytes + size > this.#budget) {
      void this.#stream.close('evicted');
      return false;
    }
    held.push({ event, size });
    this.#heldBytes += size;
    this.#report.held(size);
    return true;
  }

  /**
   * Sets the positions (from the cursor, from 0, or at the groups' heads), writes the history
   * through the rule, then releases the held events through it. Never rejects: a store that
   * fails ends the stream with `'error'` (never a reset, which would skip events).
   */
  async run(store: ReplayStore, lastEventId: string | undefined, plan: GroupedPlan): Promise<void> {
    const { groups } = this.#grouping;
    let result: ReplayResult;
    let positions: Map<string, number> | undefined;
    // A new stream starts at the heads as the stream opens, read before its subscriptions can
    // deliver anything: what is published after them arrives live, or (before the bus confirmed
    // a topic) is read from the store below. Heads read later would pass over events already on
    // their way, published after the client saw the stream open.
    const fresh = lastEventId === undefined && plan.fromStart !== true && plan.replay === undefined;
    const opening = fresh ? heads(store, groups) : undefined;
    // Awaited below; a stream that ends first must not leave it rejected and unhandled.
    opening?.catch(() => undefined);
    try {
      // History is read only once live delivery is sure: later events are held.
      if (plan.watched !== undefined) await plan.watched;
      if (isClosed(this.#stream)) return;
      const start = await opening;
      if (isClosed(this.#stream)) return;
      // Live delivery is sure and the start known: what the client publishes once it sees the
      // stream open is above the heads read.
      this.#stream.open(plan.retry);
      if (lastEventId !== undefined) {
        positions = decodeGroupCursor(lastEventId, groups);
        result =
          positions === undefined ? UNKNOWN : (plan.replay ?? (await store.since(this.#stream.topics, lastEventId)));
      } else if (plan.fromStart === true || plan.replay !== undefined) {
        positions = zeros(groups);
        result = plan.replay ?? (await store.since(this.#stream.topics, undefined));
      } else {
        positions = start ?? (await heads(store, groups));
        result = await store.since(this.#stream.topics, encodeGroupCursor(positions));
        if (plan.watched !== undefined) await learnCompletions(store, this.#stream.topics, this.#report);
      }
      if (isClosed(this.#stream)) return;
      const over = result.ok && tooLarge(result.events, plan.maxEvents ?? Infinity, plan.maxBytes ?? Infinity);
      if (!result.ok || over) {
        const reason = result.ok ? 'too_large' : result.reason;
        this.#report.missed(this.#stream, reason, lastEventId ?? '');
        const data = JSON.stringify({ reason, lastEventId });
        await this.#stream.writePaced([utf8Encode(formatEvent({ event: RESET_EVENT, data }))]);
        if (isClosed(this.#stream)) return;
        // As Resumption: completed topics, or a cursor older than all the store holds, rebuild
        // from the whole history; otherwise the stream starts at the heads. A rebuild keeps the
        // cursor's positions: a group that lost its data holds only events after them (that is
        // what `predates` says), and a group that kept its data sends nothing twice.
        const rebuild = !result.ok && result.predates === true && plan.historyAfterReset !== true;
        const kept = rebuild ? positions : undefined;
        const whole = (plan.historyAfterReset === true && !over) || rebuild;
        const history = whole ? await store.since(this.#stream.topics, undefined) : NOTHING;
        const usable =
          whole &&
          history.ok &&
          !(rebuild && tooLarge(history.events, plan.maxEvents ?? Infinity, plan.maxBytes ?? Infinity));
        positions = usable ? (kept ?? zeros(groups)) : await heads(store, groups);
        result = usable ? history : NOTHING;
        if (isClosed(this.#stream)) return;
      }
    } catch (err) {
      this.#report.failed(this.#stream, err);
      void this.#stream.close('error');
      return;
    }
    this.#positions = positions;
    await this.#replay(result.ok ? result.events : []);
    if (isClosed(this.#stream)) return;
    this.#handOver();
  }

  /** The stream ended: what was held is given back. */
  release(): void {
    if (this.#heldBytes > 0) this.#report.held(-this.#heldBytes);
    this.#held = undefined;
    this.#heldBytes = 0;
  }

  async #replay(events: readonly StoredEvent[]): Promise<void> {
    const batches: Uint8Array[] = [];
    let text = '';
    let written = 0;
    for (const event of events) {
      const frame = this.#frame(event);
      if (frame === undefined) continue;
      if (event.final === true) this.#report.completed(event.topic);
      written++;
      text += frame;
      if (text.length >= REPLAY_BATCH_BYTES) {
        batches.push(utf8Encode(text));
        text = '';
      }
    }
    if (text !== '') batches.push(utf8Encode(text));
    await this.#stream.writePaced(batches);
    this.#report.replayed(this.#stream, written);
  }

  /** Releases the held events through the rule, then lets live events through it directly. */
  #handOver(): void {
    const held = this.#held ?? [];
    this.release();
    const frames: Uint8Array[] = [];
    let total = 0;
    for (const { event } of held) {
      const frame = this.#frame(event);
      if (frame === undefined) continue;
      const bytes = utf8Encode(frame);
      frames.push(bytes);
      total += bytes.byteLength;
    }
    // Held events the rule dropped were counted as delivered when they were held.
    this.#report.duplicates(held.length - frames.length);
    if (frames.length > 0) this.#stream.enqueue(concatBytes(frames, total));
    this.#stream.flush();
    this.#report.handedOver(this.#stream);
  }

  #write(event: StoredEvent): boolean {
    const frame = this.#frame(event);
    return frame !== undefined && this.#stream.enqueue(utf8Encode(frame));
  }

  /** The rule: the frame of `event` with this stream's cursor, or `undefined` when it is not new. */
  #frame(event: StoredEvent): string | undefined {
    const positions = this.#positions as Map<string, number>;
    const group = this.#grouping.groupOf.get(event.topic) as string;
    const seq = event.seq;
    if (seq === undefined || !Number.isSafeInteger(seq) || seq <= 0) {
      // The store broke its contract; writing it would give the client an id that skips events.
      if (!this.#stream.closed) {
        this.#report.failed(this.#stream, new TypeError(`ssekit: an event of ${event.topic} has no valid seq`));
        void this.#stream.close('error');
      }
      return undefined;
    }
    if (seq <= (positions.get(group) ?? 0)) return undefined;
    positions.set(group, seq);
    return eventFrame(encodeGroupCursor(positions), event.body);
  }
}

function zeros(groups: readonly string[]): Map<string, number> {
  return new Map(groups.map((group) => [group, 0]));
}

/** Where a stream without a resume point starts: each group's newest seq. */
async function heads(store: ReplayStore, groups: readonly string[]): Promise<Map<string, number>> {
  const read = await (store.ordering as NonNullable<ReplayStore['ordering']>).heads(groups);
  const positions = new Map<string, number>();
  for (const group of groups) {
    const head = read.get(group) ?? 0;
    if (!Number.isSafeInteger(head) || head < 0)
      throw new RangeError(`ssekit: the head of a group is not a seq: ${String(head)}`);
    positions.set(group, head);
  }
  return positions;
}

// A stream may end while a read awaits; read the flag afresh rather than a narrowed copy.
function isClosed(stream: Subscription<object>): boolean {
  return stream.closed;
}
