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
 * One topic a cluster bus listens to: its channel and slot, the shard connection it is (being)
 * subscribed on, its watchers and its linger timer. @internal
 */
export class ShardWatch {
  /** Watchers; 0 while it lingers. */
  refs = 1;
  state: WatchState = 'pending';
  /** The connection the subscription is being made on or was confirmed on. */
  shard: ShardSubscriber | undefined;
  /** True while a loop is (re)subscribing it. */
  attaching = false;
  /** True once `confirmed` settled, to be read without waiting for it. */
  isConfirmed = false;
  #confirmed: Promise<void>;
  #confirm!: () => void;
  #timer: ReturnType<typeof setTimeout> | undefined;

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
    this.#confirmed = this.#pending();
  }

  /** Settles once its messages are delivered (again, after a loss). */
  get confirmed(): Promise<void> {
    return this.#confirmed;
  }

  /** Its messages are delivered from now on. */
  confirm(): void {
    this.isConfirmed = true;
    this.#confirm();
  }

  /** The subscription was lost: whoever watches from now on waits for the next one. */
  unconfirm(): void {
    if (!this.isConfirmed) return;
    this.isConfirmed = false;
    this.#confirmed = this.#pending();
  }

  /** Runs `drop` after `ms` unless a watcher comes back first. */
  linger(ms: number, drop: () => void): void {
    this.stopLinger();
    this.#timer = setTimeout(drop, ms);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** A watcher came back, or the bus stops. */
  stopLinger(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #pending(): Promise<void> {
    return new Promise<void>((resolve) => (this.#confirm = resolve));
  }
}
