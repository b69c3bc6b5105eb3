import { SsekitError, assertPublishId, assertTopic, decodeGroupCursor } from '@ssekit/core';
import type { NewEvent, ReplayResult, ReplayStore, StoreOrdering, StoredEvent } from '@ssekit/core';
import { groupedEnvelopeAround } from '../envelope-codec.js';
import { APPEND, SINCE } from '../scripts.js';
import { COMPLETED_TTL_MS, seqOf, toStored } from '../stored-entry.js';
import type { RawEntry } from '../stored-entry.js';
import type { ReplicaAcksOptions } from '../replica-acks.js';
import type { ClusterConnection } from './connection.js';
import type { ClusterLayout } from './layout.js';
import { ClusterReplicaAcks } from './replica-acks.js';
import { slotOf } from './slot.js';

/** What the store needs of the bus it publishes through. @internal */
export interface ClusterBusLink {
  /** @throws SsekitError `unavailable` while the bus cannot deliver `topic`. */
  assertListening(topic?: string): void;
}

/** Options of {@link RedisClusterReplayStore}. @internal */
export interface ClusterStoreOptions {
  readonly layout: ClusterLayout;
  readonly bus: ClusterBusLink;
  readonly size: number;
  readonly pageSize: number;
  readonly topicTtlMs: number | undefined;
  /** Wait for replicas after each append (checked by the backend). */
  readonly replicaAcks?: ReplicaAcksOptions | undefined;
}

/** One group's share of a `since`: its topics and where the client is in it. */
interface GroupRead {
  readonly group: string;
  readonly topics: readonly string[];
  /** A plain id (one group) or a decimal position ('' for everything held). */
  readonly cursor: string;
}

type GroupResult = { ok: true; events: { seq: number; event: StoredEvent }[] } | { ok: false; reason: string };

/**
 * History over Redis Streams on a Redis Cluster. Each topic belongs to an ordering group (itself,
 * unless the backend's `group` option says otherwise); a group's clock, streams and channels share
 * one hash slot, so appending stays one atomic script (hybrid-clock seq, `XADD`, `SPUBLISH`) on
 * the group's shard. Ids are the group's decimal seq, or the caller's. A stream on topics of one
 * group resumes from an event's id as on one Redis; a stream on several groups resumes from the
 * group cursor the hub writes for it (see `StoreOrdering` in `@ssekit/core`). @internal
 */
export class RedisClusterReplayStore implements ReplayStore {
  readonly ordering: StoreOrdering;
  readonly #connection: ClusterConnection;
  readonly #options: ClusterStoreOptions;
  readonly #acks: ClusterReplicaAcks | undefined;

  constructor(options: ClusterStoreOptions, connection: ClusterConnection) {
    this.#options = options;
    this.#connection = connection;
    this.#acks =
      options.replicaAcks === undefined ? undefined : new ClusterReplicaAcks(options.replicaAcks, connection);
    const layout = options.layout;
    this.ordering = {
      groupOf: (topic) => layout.groupOf(topic),
      heads: (groups) => this.#heads(groups),
    };
  }

  /** True while the cluster client is up. */
  get connected(): boolean {
    return this.#connection.ready;
  }

  /** {@inheritDoc @ssekit/core#ReplayStore.append} */
  append(event: NewEvent): Promise<StoredEvent> {
    return this.#append(event, undefined);
  }

  /** {@inheritDoc @ssekit/core#ReplayStore.appendAndPublish} */
  appendAndPublish(event: NewEvent, origin: string): Promise<StoredEvent> {
    return this.#append(event, origin);
  }

  async #append(event: NewEvent, origin: string | undefined): Promise<StoredEvent> {
    const { topic, body, id } = event;
    const final = event.final === true;
    assertTopic(topic);
    if (id !== undefined) assertPublishId(id);
    const { layout, size, topicTtlMs } = this.#options;
    const group = layout.groupOf(topic);
    if (origin !== undefined) this.#options.bus.assertListening(topic);
    const envelope =
      origin === undefined ? { head: '', middle: '', tail: '' } : groupedEnvelopeAround(origin, topic, body, final);
    const args = [
      0,
      size,
      body,
      id ?? '',
      origin === undefined ? '' : layout.channelOf(topic, group),
      envelope.head,
      envelope.tail,
      final ? '1' : '',
      event.ttlMs ?? '',
      topicTtlMs ?? 0,
      topicTtlMs ?? COMPLETED_TTL_MS,
      'SPUBLISH',
      envelope.middle,
    ];
    const keys = [layout.meta(group), ...layout.topicKeys(topic, group)];
    let seq: number;
    let confirm: (() => Promise<void>) | undefined;
    if (this.#acks === undefined) {
      seq = Number(await this.#connection.run((client) => APPEND.run(client, keys, args)));
    } else {
      const written = await this.#acks.write(slotOf(keys[0] as string), (node) => APPEND.run(node, keys, args));
      seq = Number(written.reply);
      confirm = written.confirm;
    }
    if (seq === -1) {
      throw new SsekitError('completed', `ssekit: topic ${JSON.stringify(topic)} completed; it takes no more events.`);
    }
    // A completed topic took no write, so only a stored event waits for replicas.
    await confirm?.();
    const stored = { topic, id: id ?? String(seq), body, seq };
    return final ? { ...stored, final: true } : stored;
  }

  /** Stops following the cluster's node connections (`replicaAcks`). */
  close(): void {
    this.#acks?.close();
  }

  /** {@inheritDoc @ssekit/core#ReplayStore.since} */
  async since(topics: readonly string[], lastEventId: string | undefined): Promise<ReplayResult> {
    const unique = [...new Set(topics)];
    for (const topic of unique) assertTopic(topic);
    const byGroup = new Map<string, string[]>();
    for (const topic of unique) {
      const group = this.#options.layout.groupOf(topic);
      byGroup.set(group, [...(byGroup.get(group) ?? []), topic]);
    }
    const groups = [...byGroup.keys()];
    let reads: GroupRead[];
    if (lastEventId === undefined || groups.length === 1) {
      reads = groups.map((group) => ({ group, topics: byGroup.get(group) ?? [], cursor: lastEventId ?? '' }));
    } else {
      const positions = decodeGroupCursor(lastEventId, groups);
      if (positions === undefined) return { ok: false, reason: 'unknown' };
      reads = groups.map((group) => ({
        group,
        topics: byGroup.get(group) ?? [],
        cursor: String(positions.get(group) ?? 0),
      }));
    }
    const results = await Promise.all(reads.map((read) => this.#readGroup(read, groups.length > 1)));
    const found: { seq: number; event: StoredEvent }[] = [];
    for (const result of results) {
      if (!result.ok) {
        if (result.reason === 'too_old' || result.reason === 'forgotten') return { ok: false, reason: result.reason };
        return (await this.#predates(reads, results))
          ? { ok: false, reason: 'unknown', predates: true }
          : { ok: false, reason: 'unknown' };
      }
      found.push(...result.events);
    }
    // Any order across groups would do (each write carries every position); seq keeps it stable.
    found.sort((a, b) => a.seq - b.seq);
    return { ok: true, events: found.map((item) => item.event) };
  }

  /** One group's events after its cursor, page by page, as `SINCE` reads them on its shard. */
  async #readGroup(read: GroupRead, positional: boolean): Promise<GroupResult> {
    const { layout, pageSize } = this.#options;
    const found: { seq: number; event: StoredEvent }[] = [];
    let pending = read.topics.map((topic) => ({ topic, position: '' }));
    let base = '';
    let upper = '';
    while (pending.length > 0) {
      const topicKeys = pending.map(({ topic }) => layout.topicKeys(topic, read.group));
      const keys = [
        layout.meta(read.group),
        ...topicKeys.map((k) => k[0]),
        ...topicKeys.map((k) => k[1]),
        ...topicKeys.map((k) => k[3]),
      ];
      const args = [
        pageSize,
        read.cursor,
        base,
        upper,
        positional ? '1' : '',
        ...(base === '' ? [] : pending.map((p) => p.position)),
      ];
      const reply = (await this.#connection.run((client) => SINCE.run(client, keys, args))) as unknown[];
      if (reply[0] !== 'ok') return { ok: false, reason: String(reply[0]) };
      base = reply[1] as string;
      upper = reply[2] as string;
      const next: typeof pending = [];
      pending.forEach(({ topic }, i) => {
        const page = reply[3 + i] as RawEntry[];
        for (const entry of page) found.push(toStored(topic, entry, true));
        const last = page.at(-1);
        if (page.length === pageSize && last !== undefined) next.push({ topic, position: seqOf(last[0]) });
      });
      pending = next;
    }
    return { ok: true, events: found };
  }

  /**
   * True when every group that could not place its cursor lost its data after the cursor was
   * issued (its clock began later, or its meta is gone): all it holds came after the cursor.
   */
  async #predates(reads: readonly GroupRead[], results: readonly GroupResult[]): Promise<boolean> {
    const lost = reads.filter((_read, i) => results[i]?.ok === false);
    const bases = await Promise.all(
      lost.map((read) => this.#connection.run((client) => client.hget(this.#options.layout.meta(read.group), 'base'))),
    );
    return lost.every((read, i) => {
      if (!/^\d{1,16}$/.test(read.cursor)) return false;
      const base = bases[i];
      return base === null || base === undefined || Number(read.cursor) < Number(base);
    });
  }

  async #heads(groups: readonly string[]): Promise<ReadonlyMap<string, number>> {
    const { layout } = this.#options;
    const lasts = await Promise.all(
      groups.map((group) => this.#connection.run((client) => client.hget(layout.meta(group), 'last'))),
    );
    return new Map(groups.map((group, i) => [group, Number(lasts[i] ?? 0)]));
  }

  /** {@inheritDoc @ssekit/core#ReplayStore.completed} */
  async completed(topics: readonly string[]): Promise<readonly string[]> {
    const unique = [...new Set(topics)];
    const { layout } = this.#options;
    const flags = await Promise.all(
      unique.map((topic) => this.#connection.run((client) => client.hexists(layout.topicKeys(topic)[2], 'final'))),
    );
    return unique.filter((_topic, i) => flags[i] === 1);
  }
}
