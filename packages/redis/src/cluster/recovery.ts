import type { ShardWatch } from './shard-watch.js';

/**
 * The watches whose subscription was lost, until all of them are subscribed again: only then
 * are their messages delivered again, right before the gap is told, so no stream is handed a
 * message that came after the ones it missed. @internal
 */
export class Recovery {
  /** Subscription lost, a new one not made yet. */
  readonly #lost = new Set<ShardWatch>();
  /** Subscribed again, waiting for the others. */
  readonly #back = new Set<ShardWatch>();

  /** @param gap - tells the hub that delivery of `topics` had a gap. */
  constructor(readonly gap: (topics: readonly string[]) => void) {}

  /** True when no subscription is lost or waiting for the gap. */
  get settled(): boolean {
    return this.#lost.size === 0 && this.#back.size === 0;
  }

  /** Its messages may have been missed. */
  lost(watch: ShardWatch): void {
    if (watch.state !== 'live' && watch.state !== 'back') return;
    watch.state = 'lost';
    this.#back.delete(watch);
    this.#lost.add(watch);
  }

  /** Its subscription is confirmed (for the first time, or again after a loss). */
  subscribed(watch: ShardWatch): void {
    if (watch.state === 'pending') {
      watch.state = 'live';
      watch.confirm();
    } else if (watch.state === 'lost') {
      watch.state = 'back';
      this.#lost.delete(watch);
      this.#back.add(watch);
      this.#settle();
    }
  }

  /** It is no longer watched: the others need not wait for it. */
  forget(watch: ShardWatch): void {
    this.#lost.delete(watch);
    this.#back.delete(watch);
    this.#settle();
  }

  /** The bus stops. */
  clear(): void {
    this.#lost.clear();
    this.#back.clear();
  }

  #settle(): void {
    if (this.#lost.size > 0 || this.#back.size === 0) return;
    const topics: string[] = [];
    for (const watch of this.#back) {
      watch.state = 'live';
      watch.confirm();
      topics.push(watch.topic);
    }
    this.#back.clear();
    // Only the streams on these topics may have missed events; the others go on.
    this.gap(topics);
  }
}
