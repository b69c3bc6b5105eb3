import { SsekitError } from '@ssekit/core';
import type { Bus, BusHandlers, Envelope } from '@ssekit/core';
import { unavailable, withTimeout } from '../connection.js';
import { decodeEnvelope, encodeEnvelope } from '../envelope-codec.js';
import { clusterBusSettings } from './bus-options.js';
import type { ClusterBusSettings, RedisClusterBusOptions } from './bus-options.js';
import type { ClusterLayout } from './layout.js';
import { ShardSubscriber } from './shard-subscriber.js';
import type { ShardEvents } from './shard-subscriber.js';
import { Recovery } from './recovery.js';
import { ShardWatch } from './shard-watch.js';
import { unwatchAfter, watchAgain } from '../topic-watch.js';
import { slotOf } from './slot.js';
import { backoff, primariesOf, refreshSlots, sleep, slotMapKnown } from './topology.js';

export type { RedisClusterBusOptions } from './bus-options.js';

/**
 * Fan-out between processes over sharded Pub/Sub on a Redis Cluster, for one hub. Each topic
 * has its own shard channel in its group's slot (`SPUBLISH`/`SSUBSCRIBE`), so one shard carries
 * it, and a process receives only the topics its streams are on. The bus keeps one subscriber
 * connection per primary it needs and subscribes each topic on the primary owning its slot.
 *
 * Whenever messages may have been missed (a subscriber connection lost, a primary failed over,
 * a slot moved), the bus subscribes the topics concerned again on their current owners, then
 * tells the hub there was a gap; their messages are dropped until then, and their publishes
 * fail with `SsekitError('unavailable')`. An `SSUBSCRIBE` left unanswered is retried on the
 * slot's owner as the refreshed slot map names it. Order holds within an ordering group (one
 * slot), not across groups.
 */
export class RedisClusterBus implements Bus {
  /** Where each topic's channel lives. */
  readonly layout: ClusterLayout;
  /** Settles once the bus can listen, after `subscribe`: the cluster's slot map is known. */
  readonly ready: Promise<void>;
  readonly #settings: ClusterBusSettings;
  /** Topics listened to (or about to be, or lingering before they are dropped). */
  readonly #topics = new Map<string, ShardWatch>();
  /** The subscriber connection of each primary, by `host:port`. */
  readonly #shards = new Map<string, ShardSubscriber>();
  readonly #recovery = new Recovery((topics) => this.#handlers?.gap?.(topics));
  readonly #events: ShardEvents = {
    message: (shard, channel, message) => this.#receive(shard, channel, message),
    lost: (shard) => this.#shardLost(shard),
    dropped: (shard, channel) => this.#channelDropped(shard, channel),
    error: (error) => this.#settings.onError(error),
  };
  #markReady!: () => void;
  #handlers: BusHandlers | undefined;
  #known = false;
  #started = false;
  #closed = false;

  /**
   * @param options - the cluster client, the layout, the linger and the timeouts.
   * @throws SsekitError `invalid_option` when an option is missing or out of range.
   */
  constructor(options: RedisClusterBusOptions) {
    this.#settings = clusterBusSettings(options);
    this.layout = this.#settings.layout;
    this.ready = new Promise<void>((resolve) => (this.#markReady = resolve));
  }

  /** The topics whose channels this bus listens to, or will or still does (while lingering). */
  get watched(): readonly string[] {
    return [...this.#topics.keys()];
  }

  /** True while a hub subscribed, the slot map is known and every subscription is in place. */
  get active(): boolean {
    return this.subscribed && this.#known && this.#recovery.settled;
  }

  /** True once a hub subscribed (and not yet unsubscribed). */
  get subscribed(): boolean {
    return this.#handlers !== undefined && !this.#closed;
  }

  /**
   * {@inheritDoc @ssekit/core#Bus.subscribe}
   * Resolves once the slot map is known, or after `commandTimeoutMs` when it is not yet (the
   * bus keeps trying; publishes fail with `unavailable` until it succeeds).
   */
  subscribe(handlers: BusHandlers): Promise<() => void> {
    if (this.#closed) throw new SsekitError('closed', 'ssekit: the Redis cluster bus is closed.');
    if (this.#started) {
      throw new SsekitError('invalid_option', 'ssekit: a RedisClusterBus serves one hub; create one bus per hub.');
    }
    this.#started = true;
    this.#handlers = handlers;
    const unsubscribe = (): void => {
      this.#handlers = undefined;
      void this.#stop();
    };
    const known = this.#discover();
    return withTimeout(known, this.#settings.commandTimeoutMs).then(
      () => unsubscribe,
      () => unsubscribe,
    );
  }

  /**
   * {@inheritDoc @ssekit/core#Bus.watch}
   * Subscribes to the topic's channel on the primary owning its slot, unless this bus listens
   * to it already; settles once that primary confirmed it. Returns nothing for a topic
   * delivered already (one still lingering, say), so the hub need not wait at all.
   * @throws SsekitError `invalid_option` when the layout's `group` function fails on `topic`.
   */
  watch(topic: string): Promise<void> | undefined {
    const watch = this.#topics.get(topic);
    if (watch !== undefined) return watchAgain(watch);
    const channel = this.layout.channelOf(topic);
    const added = new ShardWatch(topic, channel, slotOf(channel));
    this.#topics.set(topic, added);
    // Stopped: nobody will listen, so whoever waits goes on (and finds the bus closed).
    if (this.#closed || (this.#started && this.#handlers === undefined)) {
      added.confirm();
      return undefined;
    }
    // Written now when the slot map is known, before the hub sends the stream's first byte.
    if (this.#known && this.subscribed) void this.#attach(topic, added, false);
    return added.confirmed;
  }

  /**
   * {@inheritDoc @ssekit/core#Bus.unwatch}
   * Unsubscribes from the topic's channel after `lingerMs`, unless it is watched again meanwhile.
   */
  unwatch(topic: string): void {
    unwatchAfter(this.#topics, topic, this.#settings.lingerMs, (watch) => {
      // A subscription still being made is undone by the loop making it.
      if (watch.state === 'live' || watch.state === 'back') watch.shard?.unsubscribe(watch.channel);
      watch.confirm();
      this.#recovery.forget(watch);
    });
  }

  /**
   * {@inheritDoc @ssekit/core#Bus.publish}
   * @throws SsekitError `unavailable` when the cluster does not take it within
   * `commandTimeoutMs`, or when this bus lost its subscription to the topic (the hub would not
   * see its own event come back).
   */
  async publish(envelope: Envelope): Promise<void> {
    this.assertListening(envelope.topic);
    const message = encodeEnvelope(envelope);
    const channel = this.layout.channelOf(envelope.topic);
    try {
      await withTimeout(
        Promise.resolve(this.#settings.cluster.spublish(channel, message)),
        this.#settings.commandTimeoutMs,
      );
    } catch (err) {
      throw unavailable(err);
    }
  }

  /** Stops listening and closes the subscriber connections (never the caller's cluster client). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#handlers = undefined;
    await this.#stop();
  }

  /**
   * Throws `unavailable` when a hub subscribed but the bus does not listen right now: to
   * `topic` when given (its subscription was lost), to every watched topic otherwise.
   * @internal
   */
  assertListening(topic?: string): void {
    if (this.#closed) throw new SsekitError('closed', 'ssekit: the Redis cluster bus is closed.');
    if (this.#handlers === undefined) return;
    const state = topic === undefined ? undefined : this.#topics.get(topic)?.state;
    const down = topic === undefined ? !this.active : !this.#known || state === 'lost' || state === 'back';
    if (down) {
      throw new SsekitError(
        'unavailable',
        'ssekit: the Redis cluster subscription is down, so this process would miss its own events; retry when the cluster is back.',
      );
    }
  }

  /** Waits for the cluster's slot map, then subscribes every watched topic. */
  async #discover(): Promise<void> {
    if (!(await slotMapKnown(this.#settings.cluster, () => this.subscribed))) return;
    this.#known = true;
    // Connected to every primary before the first watch, whose SSUBSCRIBE then leaves at once.
    for (const node of primariesOf(this.#settings.cluster)) this.#shardOn(node);
    this.#markReady();
    for (const [topic, watch] of this.#topics) void this.#attach(topic, watch, false);
  }

  /**
   * Subscribes a watched topic on its slot's owner, asking the cluster for its slot map again
   * and retrying (at most 1 s apart) until it is confirmed, unwatched, or the bus stops.
   * @param refresh - read the slot map first: the owner it names failed or lost the slot.
   */
  async #attach(topic: string, watch: ShardWatch, refresh: boolean): Promise<void> {
    if (watch.attaching) return;
    watch.attaching = true;
    try {
      for (let attempt = 0; this.#isCurrent(topic, watch); attempt++) {
        if (refresh || attempt > 0) {
          await refreshSlots(this.#settings.cluster, this.#settings.subscribeTimeoutMs);
          if (attempt > 0) await sleep(backoff(attempt));
          if (!this.#isCurrent(topic, watch)) return;
        }
        const node = this.#settings.cluster.slots[watch.slot]?.[0];
        if (node === undefined) continue;
        const shard = this.#shardOn(node);
        watch.shard = shard;
        const subscribed = await shard.subscribe(watch.channel, this.#settings.subscribeTimeoutMs);
        if (!this.#isCurrent(topic, watch)) {
          // Unwatched meanwhile; a new watch of the topic may be subscribing on this connection.
          if (subscribed && this.#topics.get(topic)?.shard !== shard) shard.unsubscribe(watch.channel);
          return;
        }
        if (subscribed && watch.shard === shard) {
          this.#recovery.subscribed(watch);
          return;
        }
      }
    } finally {
      watch.attaching = false;
    }
  }

  #isCurrent(topic: string, watch: ShardWatch): boolean {
    return this.subscribed && this.#topics.get(topic) === watch;
  }

  #shardOn(node: string): ShardSubscriber {
    const known = this.#shards.get(node);
    if (known !== undefined && !known.gone) return known;
    const shard = new ShardSubscriber(this.#settings.cluster, node, this.#events);
    this.#shards.set(node, shard);
    return shard;
  }

  #shardLost(shard: ShardSubscriber): void {
    if (this.#shards.get(shard.node) === shard) this.#shards.delete(shard.node);
    for (const [topic, watch] of this.#topics) if (watch.shard === shard) this.#topicLost(topic, watch);
  }

  #channelDropped(shard: ShardSubscriber, channel: string): boolean {
    for (const [topic, watch] of this.#topics) {
      if (watch.shard === shard && watch.channel === channel) {
        this.#topicLost(topic, watch);
        return true;
      }
    }
    return false;
  }

  /** Its messages may have been missed: subscribe it again, on the slot's owner as it is now. */
  #topicLost(topic: string, watch: ShardWatch): void {
    this.#recovery.lost(watch);
    watch.shard = undefined;
    watch.unconfirm();
    if (this.subscribed) void this.#attach(topic, watch, true);
  }

  #receive(shard: ShardSubscriber, channel: string, message: string): void {
    const envelope = decodeEnvelope(message);
    const watch = envelope === undefined ? undefined : this.#topics.get(envelope.topic);
    if (envelope === undefined || (watch !== undefined && watch.channel !== channel)) {
      this.#settings.onError(new Error(`ssekit: ignored a message on ${channel} that is not an ssekit envelope`));
      return;
    }
    // Not before the subscription is confirmed on this connection and, after a loss, not
    // before the gap is told: a stream handed one would resume past what was missed.
    if (watch?.state !== 'live' || watch.shard !== shard) return;
    this.#handlers?.envelope(envelope);
  }

  async #stop(): Promise<void> {
    // Nobody will listen again: let whoever waits for a subscription go on (and find it closed).
    for (const watch of this.#topics.values()) {
      watch.stopLinger();
      watch.confirm();
    }
    this.#topics.clear();
    this.#recovery.clear();
    const shards = [...this.#shards.values()];
    this.#shards.clear();
    await Promise.all(shards.map((shard) => shard.close()));
  }
}
