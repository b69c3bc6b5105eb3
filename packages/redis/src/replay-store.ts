import { SsekitError, assertPublishId, assertTopic } from '@ssekit/core';
import type { NewEvent, ReplayResult, ReplayStore, StoredEvent } from '@ssekit/core';
import type { RedisBus } from './bus.js';
import { Connection } from './connection.js';
import type { RedisConnectionOptions } from './connection.js';
import { envelopeAround } from './envelope-codec.js';
import { APPEND, COMPLETED, SINCE } from './scripts.js';
import { COMPLETED_TTL_MS, seqOf, toStored } from './stored-entry.js';
import type { RawEntry } from './stored-entry.js';
import { ReplicaAcks, checkReplicaAcks } from './replica-acks.js';
import type { ReplicaAcksOptions } from './replica-acks.js';

/** Options of {@link createRedisReplayStore}. */
export interface RedisReplayStoreOptions extends RedisConnectionOptions {
  /**
   * Prepended to every key: `<prefix>meta` (the id clock), `<prefix>s:<topic>` (a stream per
   * topic), `<prefix>g:<topic>` (caller-given ids). Processes that act as one share it. The
   * bus's channels, `<prefix>c:<topic>`, take the same prefix in `createRedisBackend`.
   * @default 'ssekit:'
   */
  prefix?: string;
  /**
   * How many recent events each topic keeps for resumption. Streams are trimmed with
   * `MAXLEN ~`, so Redis may keep up to about 100 more (one stream node); resumption is exact
   * either way.
   * @default 1000
   */
  size?: number;
  /**
   * The bus the hub uses: the store then offers `appendAndPublish`, which appends and publishes
   * on the topic's channel of that bus (`<bus prefix>c:<topic>`) in one atomic script, so the
   * bus carries events in id order
   * (`createRedisBackend` links them for you).
   * @default none: the hub appends, then publishes through its bus itself
   */
  bus?: RedisBus;
  /**
   * Entries read per topic per round trip while replaying.
   * @default 200
   */
  pageSize?: number;
  /**
   * How long a topic's keys (its history and its completion) live after its last publish, ms;
   * `0` keeps them. Redis expires them itself, so an idle topic costs nothing after that. A
   * publisher may give a topic its own (`ttlMs`).
   * @default completed topics one hour (3600000), open topics for good
   */
  topicTtlMs?: number;
  /**
   * Makes an append (and so a publish) resolve only once `WAIT replicas timeoutMs` reports that
   * many replicas hold it, so an acknowledged event survives the loss of the primary (with
   * Sentinel, the replica promoted has it). When fewer acknowledge in time, the append rejects
   * with `SsekitError('unavailable')`: the event is then stored on the primary and may already
   * have been delivered live, and it may or may not survive a failover. One `WAIT` covers every
   * append written before it on the command connection (appends that finish together share one),
   * but while it waits that connection serves nothing else, replays included: keep `timeoutMs`
   * short, and run more replicas than `replicas` so that losing one does not fail every publish.
   * `timeoutMs` must be below `commandTimeoutMs`.
   * @default off: an append resolves once the primary has it
   */
  replicaAcks?: ReplicaAcksOptions;
}

/**
 * History over Redis Streams, shared by every process on one Redis: one bounded stream per
 * topic, and one clock for all of them, so ids are global.
 *
 * Ids are decimal integers of 16 digits from a hybrid clock kept in Redis: each is one more than
 * the last, or Redis's clock (`TIME`) in microseconds when that is ahead. They increase in append
 * order across all topics and compare as numbers and as strings; an id from another store or from
 * before the data was lost is recognised as unknown. The clock matters after a Sentinel failover:
 * a promoted replica that lacks the old primary's newest writes goes on after them instead of
 * issuing their ids again, and a client that saw one of them live resumes after it exactly (the
 * primaries' clocks must agree to within the failover time; NTP is ample). Appending runs one Lua
 * script (clock, `XADD`, and the `PUBLISH` of the envelope when a bus is linked): atomic, one
 * round trip.
 */
export class RedisReplayStore implements ReplayStore {
  readonly #connection: Connection;
  readonly #ownsConnection: boolean;
  readonly #prefix: string;
  readonly #size: number;
  readonly #pageSize: number;
  readonly #bus: RedisBus | undefined;
  readonly #ttlMs: number | undefined;
  readonly #acks: ReplicaAcks | undefined;
  /**
   * {@inheritDoc @ssekit/core#ReplayStore.appendAndPublish}
   * Present only with a linked `bus`. Rejects with `unavailable` when Redis cannot be reached or
   * the bus's subscriber connection is down.
   */
  readonly appendAndPublish?: (event: NewEvent, origin: string) => Promise<StoredEvent>;

  /**
   * @param options - the connection, key prefix, size, and the bus to publish through.
   * @param connection - a command connection to share (the backend's); internal.
   */
  constructor(options: RedisReplayStoreOptions, connection?: Connection) {
    checkStoreOptions(options);
    this.#size = options.size ?? 1000;
    this.#pageSize = options.pageSize ?? 200;
    this.#prefix = options.prefix ?? 'ssekit:';
    this.#bus = options.bus;
    this.#ttlMs = options.topicTtlMs;
    if (options.bus !== undefined) this.appendAndPublish = (event, origin) => this.#append(event, origin);
    this.#connection = connection ?? new Connection(options, 'createRedisReplayStore');
    this.#ownsConnection = connection === undefined;
    this.#acks = options.replicaAcks === undefined ? undefined : new ReplicaAcks(options.replicaAcks, this.#connection);
  }

  /** True while the command connection is up. */
  get connected(): boolean {
    return this.#connection.client.status === 'ready';
  }

  /** {@inheritDoc @ssekit/core#ReplayStore.append} */
  async append(event: NewEvent): Promise<StoredEvent> {
    return this.#append(event, undefined);
  }

  async #append(event: NewEvent, origin: string | undefined): Promise<StoredEvent> {
    const { topic, body, id } = event;
    const final = event.final === true;
    assertTopic(topic);
    if (id !== undefined) assertPublishId(id);
    const bus = origin === undefined ? undefined : this.#bus;
    bus?.assertListening();
    const envelope = origin === undefined ? { head: '', tail: '' } : envelopeAround(origin, topic, body, final);
    const args = [
      Date.now() * 1000,
      this.#size,
      body,
      id ?? '',
      bus?.channelOf(topic) ?? '',
      envelope.head,
      envelope.tail,
      final ? '1' : '',
      event.ttlMs ?? '',
      this.#ttlMs ?? 0,
      this.#ttlMs ?? COMPLETED_TTL_MS,
      '',
      '',
    ];
    const keys = [this.#key('meta'), ...this.#topicKeys(topic)];
    const generation = this.#acks?.generation ?? 0;
    const seq = await this.#connection.run((client) => APPEND.run(client, keys, args));
    if (seq === -1) {
      throw new SsekitError('completed', `ssekit: topic ${JSON.stringify(topic)} completed; it takes no more events.`);
    }
    await this.#acks?.confirm(generation);
    const stored = { topic, id: id ?? String(seq), body };
    return final ? { ...stored, final: true } : stored;
  }

  /** {@inheritDoc @ssekit/core#ReplayStore.since} */
  async since(topics: readonly string[], lastEventId: string | undefined): Promise<ReplayResult> {
    const unique = [...new Set(topics)];
    for (const topic of unique) assertTopic(topic);
    if (unique.length === 0) return { ok: true, events: [] };
    const found: { seq: number; event: StoredEvent }[] = [];
    let pending = unique.map((topic) => ({ topic, position: '' }));
    let base = '';
    let upper = '';
    while (pending.length > 0) {
      const keys = [
        this.#key('meta'),
        ...pending.map(({ topic }) => this.#key('s:', topic)),
        ...pending.map(({ topic }) => this.#key('g:', topic)),
        ...pending.map(({ topic }) => this.#key('x:', topic)),
      ];
      const args = [
        this.#pageSize,
        lastEventId ?? '',
        base,
        upper,
        '',
        ...(base === '' ? [] : pending.map((p) => p.position)),
      ];
      const reply = (await this.#connection.run((client) => SINCE.run(client, keys, args))) as unknown[];
      if (reply[0] !== 'ok') {
        if (reply[0] === 'too_old' || reply[0] === 'forgotten') return { ok: false, reason: reply[0] };
        return (await this.#predates(lastEventId))
          ? { ok: false, reason: 'unknown', predates: true }
          : { ok: false, reason: 'unknown' };
      }
      base = reply[1] as string;
      upper = reply[2] as string;
      const next: typeof pending = [];
      pending.forEach(({ topic }, i) => {
        const page = reply[3 + i] as RawEntry[];
        for (const entry of page) found.push(toStored(topic, entry));
        const last = page.at(-1);
        if (page.length === this.#pageSize && last !== undefined) next.push({ topic, position: seqOf(last[0]) });
      });
      pending = next;
    }
    found.sort((a, b) => a.seq - b.seq);
    return { ok: true, events: found.map((item) => item.event) };
  }

  /**
   * True when an id the store cannot place is older than all it holds (Redis lost its data, or
   * was emptied, after the id was issued): ids only grow, so everything held came after it.
   */
  async #predates(lastEventId: string | undefined): Promise<boolean> {
    if (lastEventId === undefined || !/^\d{1,16}$/.test(lastEventId)) return false;
    const base = await this.#connection.run((client) => client.hget(this.#key('meta'), 'base'));
    return base !== null && Number(lastEventId) < Number(base);
  }

  /** {@inheritDoc @ssekit/core#ReplayStore.completed} */
  async completed(topics: readonly string[]): Promise<readonly string[]> {
    const unique = [...new Set(topics)];
    if (unique.length === 0) return [];
    const keys = unique.map((topic) => this.#key('m:', topic));
    const flags = (await this.#connection.run((client) => COMPLETED.run(client, keys, []))) as number[];
    return unique.filter((_topic, i) => flags[i] === 1);
  }

  /** Closes the connection when this store opened it. */
  async close(): Promise<void> {
    this.#acks?.close();
    if (this.#ownsConnection) await this.#connection.close();
  }

  #key(kind: string, topic = ''): string {
    return `${this.#prefix}${kind}${topic}`;
  }

  /** A topic's keys, as the append script takes them: stream, given ids, own hash, tombstone. */
  #topicKeys(topic: string): string[] {
    return [this.#key('s:', topic), this.#key('g:', topic), this.#key('m:', topic), this.#key('x:', topic)];
  }
}

/**
 * Throws `invalid_option` for a size or page size out of range, before any connection opens.
 * @internal
 */
export function checkStoreOptions(options: {
  size?: number;
  pageSize?: number;
  topicTtlMs?: number;
  replicaAcks?: ReplicaAcksOptions;
  commandTimeoutMs?: number;
}): void {
  checkReplicaAcks(options.replicaAcks, options.commandTimeoutMs ?? 5000);
  const ttl = options.topicTtlMs;
  if (ttl !== undefined && (!Number.isSafeInteger(ttl) || ttl < 0)) {
    throw new SsekitError(
      'invalid_option',
      'ssekit: the replay store `topicTtlMs` must be a non-negative integer of ms.',
    );
  }
  const size = options.size ?? 1000;
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new SsekitError('invalid_option', 'ssekit: the replay store `size` must be a non-negative integer.');
  }
  const pageSize = options.pageSize ?? 200;
  if (!Number.isSafeInteger(pageSize) || pageSize < 1) {
    throw new SsekitError('invalid_option', 'ssekit: `pageSize` must be a positive integer.');
  }
}

/**
 * Creates a {@link RedisReplayStore}.
 *
 * @example
 * ```ts
 * const store = createRedisReplayStore({ url: 'redis://127.0.0.1:6379', size: 1000 });
 * const hub = createHub({ store });
 * ```
 */
export function createRedisReplayStore(options: RedisReplayStoreOptions): RedisReplayStore {
  return new RedisReplayStore(options);
}
