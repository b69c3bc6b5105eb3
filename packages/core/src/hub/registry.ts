import type { SseStream } from '../stream/stream.js';
import { ConnectionLimits } from './limits.js';
import type { Subscription } from './subscription.js';

/** What a registry tells as topics gain their first stream and lose their last. @internal */
export interface TopicHooks {
  first(topic: string): void;
  last(topic: string): void;
}

/**
 * A hub's open streams: by topic for delivery, with their client keys for the per-client limit.
 * @internal
 */
export class Registry {
  /** The streams on each topic; a topic without streams has no entry. */
  readonly byTopic = new Map<string, Set<Subscription<object>>>();
  readonly #streams = new Map<SseStream<object>, Subscription<object>>();
  readonly #clientKeys = new Map<SseStream<object>, string>();
  readonly #limits: ConnectionLimits;
  readonly #topics: TopicHooks | undefined;

  /**
   * @param maxConnections - streams it accepts in all.
   * @param maxConnectionsPerClient - streams it accepts per client key.
   * @param topics - told when a topic gets its first stream and loses its last one.
   */
  constructor(maxConnections: number | undefined, maxConnectionsPerClient: number | undefined, topics?: TopicHooks) {
    this.#limits = new ConnectionLimits(maxConnections, maxConnectionsPerClient);
    this.#topics = topics;
  }

  /** Open streams. */
  get size(): number {
    return this.#streams.size;
  }

  /** Streams refused by a limit. */
  get rejected(): number {
    return this.#limits.rejected;
  }

  /** Takes a slot for a new stream, or throws `too_many_connections`. */
  claim(clientKey: string | undefined): void {
    this.#limits.claim(this.#streams.size, clientKey);
  }

  add(stream: Subscription<object>, clientKey: string | undefined): void {
    for (const topic of stream.topics) {
      let set = this.byTopic.get(topic);
      if (set === undefined) {
        set = new Set();
        this.byTopic.set(topic, set);
        this.#topics?.first(topic);
      }
      set.add(stream);
    }
    this.#streams.set(stream, stream);
    if (clientKey !== undefined) this.#clientKeys.set(stream, clientKey);
  }

  /** The subscription of a stream, if it is open. */
  get(stream: SseStream<object>): Subscription<object> | undefined {
    return this.#streams.get(stream);
  }

  /** Forgets a stream that ended and gives back its slot; its subscription, if it was open. */
  remove(ended: SseStream<object>): Subscription<object> | undefined {
    const stream = this.#streams.get(ended);
    if (stream === undefined) return undefined;
    this.#streams.delete(ended);
    for (const topic of stream.topics) {
      const set = this.byTopic.get(topic);
      if (set === undefined) continue;
      set.delete(stream);
      if (set.size === 0) {
        this.byTopic.delete(topic);
        this.#topics?.last(topic);
      }
    }
    this.#limits.release(this.#clientKeys.get(ended));
    this.#clientKeys.delete(ended);
    return stream;
  }

  /** The streams on any of `topics`, each once; every stream when `topics` is left out. */
  onTopics(topics: readonly string[] | undefined): Subscription<object>[] {
    if (topics === undefined) return this.list();
    const found = new Set<Subscription<object>>();
    for (const topic of topics) for (const stream of this.byTopic.get(topic) ?? []) found.add(stream);
    return [...found];
  }

  /** Every open stream, as a list (streams may end while it is walked). */
  list(): Subscription<object>[] {
    return [...this.#streams.values()];
  }

  /** Open streams per topic. */
  perTopic(): Record<string, number> {
    const topics: Record<string, number> = {};
    for (const [topic, set] of this.byTopic) topics[topic] = set.size;
    return topics;
  }
}
