import { utf8Encode } from '../wire/bytes.js';
import { eventFrame } from '../wire/frames.js';
import type { StoreOrdering } from '../store/ordering.js';
import type { ReplayStore, StoredEvent } from '../store/replay-store.js';
import type { ResumeReport } from './resumption.js';

/** Replayed frames are joined into writes of up to this many bytes. */
const REPLAY_BATCH_BYTES = 64 * 1024;

/**
 * Where a stream on one ordering group starts as it opens: its group's newest seq (0 while the
 * group has none: everything it will hold comes after). @internal
 */
export async function openingCursor(ordering: StoreOrdering, topics: readonly string[]): Promise<number> {
  const group = ordering.groupOf(topics[0] ?? 'default');
  return (await ordering.heads([group])).get(group) ?? 0;
}

/** Replayed frames joined into writes of up to 64 KiB, instead of one write per event. @internal */
export function batchFrames(events: readonly StoredEvent[]): Uint8Array[] {
  const batches: Uint8Array[] = [];
  let text = '';
  for (const event of events) {
    text += eventFrame(event.id, event.body);
    if (text.length >= REPLAY_BATCH_BYTES) {
      batches.push(utf8Encode(text));
      text = '';
    }
  }
  if (text !== '') batches.push(utf8Encode(text));
  return batches;
}

/** True when replaying `events` would pass either bound. @internal */
export function tooLarge(events: readonly StoredEvent[], maxEvents: number, maxBytes: number): boolean {
  if (events.length > maxEvents) return true;
  let size = 0;
  for (const event of events) {
    size += event.body.length;
    if (size > maxBytes) return true;
  }
  return false;
}

/**
 * Marks the topics of a new stream the store says completed. A final event published while the
 * bus was being asked for a topic reached neither `prepare` (before it) nor the stream (whose
 * subscription came after it): without this the stream would wait for an event that never
 * comes. Marked, they end the stream as it hands over to live. @internal
 */
export async function learnCompletions(
  store: ReplayStore,
  topics: readonly string[],
  report: ResumeReport,
): Promise<void> {
  for (const topic of await store.completed(topics)) report.completed(topic);
}
