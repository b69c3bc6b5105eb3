import type { Envelope } from './bus.js';
import { concatBytes, utf8Encode } from './bytes.js';
import { formatEvent } from './encoder.js';
import type { ReplayResult, ReplayStore, StoredEvent } from './replay-store.js';
import { RESET_EVENT } from './reserved.js';
import type { Subscription } from './subscription.js';

/** What a replay reports to the hub's counters and hooks. @internal */
export interface ReplayReport {
  replayed(stream: Subscription<object>, count: number): void;
  missed(stream: Subscription<object>, reason: 'unknown' | 'too_old', lastEventId: string): void;
  /** Held live events the replay had already sent: they were counted twice. */
  duplicates(count: number): void;
  released(bytes: number): void;
  failed(stream: Subscription<object>, error: unknown): void;
}

const REPLAY_BATCH_BYTES = 64 * 1024;

/**
 * Writes what a resuming stream missed, then the live events held meanwhile, minus the overlap.
 * The stream was registered (and its live events held) before this runs, so nothing falls
 * between history and live. @internal
 */
export async function replayInto(
  stream: Subscription<object>,
  store: ReplayStore,
  lastEventId: string,
  report: ReplayReport,
): Promise<void> {
  let result: ReplayResult;
  try {
    result = await store.since(stream.topics, lastEventId);
  } catch (err) {
    report.failed(stream, err);
    void stream.close('error');
    return;
  }
  if (stream.closed) return;
  const replayedIds = new Set<string>();
  if (result.ok) {
    for (const event of result.events) replayedIds.add(event.id);
    await stream.writePaced(batchFrames(result.events));
    report.replayed(stream, result.events.length);
  } else {
    report.missed(stream, result.reason, lastEventId);
    const data = JSON.stringify({ reason: result.reason, lastEventId });
    await stream.writePaced([utf8Encode(formatEvent({ event: RESET_EVENT, data }))]);
  }
  if (isClosed(stream)) return;
  const held = stream.heldLive ?? [];
  report.released(stream.heldBytes);
  stream.heldLive = undefined;
  stream.heldBytes = 0;
  const live = held.filter((item) => !replayedIds.has(item.id));
  if (result.ok && result.events.length > 0) rememberReplayed(stream, result.events, live);
  report.duplicates(held.length - live.length);
  if (live.length > 0) {
    const total = live.reduce((sum, item) => sum + item.bytes.byteLength, 0);
    stream.enqueue(
      concatBytes(
        live.map((item) => item.bytes),
        total,
      ),
    );
  }
  stream.flush();
}

/** Replayed frames joined into writes of up to 64 KiB, instead of one write per event. */
function batchFrames(events: readonly StoredEvent[]): Uint8Array[] {
  const batches: Uint8Array[] = [];
  let text = '';
  for (const event of events) {
    text += event.frame;
    if (text.length >= REPLAY_BATCH_BYTES) {
      batches.push(utf8Encode(text));
      text = '';
    }
  }
  if (text !== '') batches.push(utf8Encode(text));
  return batches;
}

/**
 * With a shared store, a replay can include events whose live copy is still on its way through
 * the bus. Their ids are remembered per topic until the first live event on that topic that was
 * not replayed: the bus delivers in store order, so nothing older can follow it.
 */
function rememberReplayed(
  stream: Subscription<object>,
  events: readonly StoredEvent[],
  alreadyLive: readonly { id: string }[],
): void {
  const byTopic = new Map<string, Set<string>>();
  for (const event of events) {
    let ids = byTopic.get(event.topic);
    if (ids === undefined) {
      ids = new Set();
      byTopic.set(event.topic, ids);
    }
    ids.add(event.id);
  }
  // A topic whose live copies already arrived (held during the replay) needs no watch.
  if (alreadyLive.length > 0) {
    for (const [topic, ids] of byTopic) if (alreadyLive.some((item) => ids.has(item.id))) byTopic.delete(topic);
  }
  stream.replayedIds = byTopic.size > 0 ? byTopic : undefined;
}

/** True when `envelope` is a late live copy of a replayed event, which the hub skips. @internal */
export function skipReplayed(stream: Subscription<object>, envelope: Envelope): boolean {
  const byTopic = stream.replayedIds;
  const ids = byTopic?.get(envelope.topic);
  if (byTopic === undefined || ids === undefined) return false;
  const late = ids.has(envelope.id);
  if (late) ids.delete(envelope.id);
  if (!late || ids.size === 0) byTopic.delete(envelope.topic);
  if (byTopic.size === 0) stream.replayedIds = undefined;
  return late;
}

// A stream may end while a replay awaits; read the flag afresh rather than a narrowed copy.
function isClosed(stream: Subscription<object>): boolean {
  return stream.closed;
}
