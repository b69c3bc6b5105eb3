import { TopicWatch } from '../topic-watch.js';
import type { ShardSubscriber } from './shard-subscriber.js';

/**
 * Where a watched topic's subscription stands:
 * - `pending`: its first SSUBSCRIBE is under way;
 * - `live`: confirmed, its messages are delivered;
 * - `lost`: the subscription went away (connection lost, slot moved), a new one is under way;
 * - `back`: subscribed again, but its messages are dropped until the gap is told.
 * @internal
 */
export type WatchState = 'pending' | 'live' | 'lost' | 'back';

/**
 * One topic a cluster bus listens to: a {@link TopicWatch} with its channel and slot, the shard
 * connection it is (being) subscribed on, and where that subscription stands. @internal
 */
export class ShardWatch extends TopicWatch {
  state: WatchState = 'pending';
  /** The connection the subscription is being made on or was confirmed on. */
  shard: ShardSubscriber | undefined;
  /** True while a loop is (re)subscribing it. */
  attaching = false;

  /**
   * @param topic - the topic it delivers.
   * @param channel - the topic's shard channel.
   * @param slot - the channel's hash slot.
   */
  constructor(
    readonly topic: string,
    readonly channel: string,
    readonly slot: number,
  ) {
    super();
  }
}
