import type { ReplayResult, ReplayStore } from '../store/replay-store.js';
import type { Completions } from './completions.js';
import { groupsOf } from './groups.js';
import type { Preparation, SubscribeOptions } from './subscribe-types.js';
import { asUnavailable } from './publish-event.js';
import { topicsOf } from './topics.js';

/** A preparation, with the history of a request whose topics all completed. @internal */
export interface Prepared extends Preparation {
  /** What the store holds after the client's cursor: final, since completed topics take no more. */
  readonly replay?: ReplayResult;
}

const LIVE: Prepared = { ended: false };
const ENDED: Prepared = { ended: true };

/**
 * Decides whether a stream request has anything left to read. Topics the hub follows live (it
 * has streams on them) are open unless it saw their final event; the others are asked of the
 * store. Only when every topic completed is the history read: a completed topic takes no more
 * events, so that read is final and the subscription replays it as is. @internal
 */
export async function prepareRequest(
  store: ReplayStore,
  completions: Completions,
  followed: (topic: string) => boolean,
  options: SubscribeOptions,
  maxTopics: number,
): Promise<Prepared> {
  const topics = topicsOf(options, maxTopics);
  // Refused here too: a stream the hub would refuse gets its 400 before the store is asked.
  groupsOf(store.ordering, topics);
  const { lastEventId } = options;
  try {
    const unknown = topics.filter((topic) => !completions.has(topic) && !followed(topic));
    if (unknown.length > 0) for (const topic of await store.completed(unknown)) completions.mark(topic);
    if (!completions.all(topics)) return LIVE;
    if (lastEventId === undefined && options.from !== 'start') return ENDED;
    const replay = await store.since(topics, lastEventId);
    if (replay.ok && replay.events.length === 0) return ENDED;
    return { ended: false, replay };
  } catch (err) {
    throw asUnavailable(err, 'the replay store');
  }
}
