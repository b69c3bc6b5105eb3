// (c) A prototype of the recommended cluster design, small enough to read in one go:
// - store: one ordering group per topic, all its keys and its shard channel in one slot
//   (`<prefix>{<topic>}:...`); sequence numbers from a per-group hybrid clock,
//   max(last + 1, now in µs), so they never go back after a failover; append + SPUBLISH in one
//   script; optional WAIT for replicas.
// - bus: per process, one subscriber connection per primary, SSUBSCRIBE per watched topic,
//   confirmed before the stream reads the store; a closed connection, an unsolicited
//   SUNSUBSCRIBE (slot moved) or a hole in the per-topic `prev` chain is a gap on those topics.
// - hub: per stream a vector of positions (one per group); an event is delivered when its
//   sequence number is above the stream's position for its group; the id written with it is the
//   composite cursor of the vector.
import type { Cluster } from 'ioredis';
import { Redis } from 'ioredis';
import { decodeCursor, encodeCursor } from './cursor.js';

const HELPERS = `
local function fmt(n) return string.format('%d', n) end
local function seqOf(entryId) return tonumber(string.match(entryId, '^(%d+)')) end
local function newest(key)
  local last = redis.call('XREVRANGE', key, '+', '-', 'COUNT', 1)[1]
  if last then return seqOf(last[1]) end
  if redis.call('EXISTS', key) == 0 then return 0 end
  local info = redis.call('XINFO', 'STREAM', key)
  for i = 1, #info, 2 do
    if info[i] == 'last-generated-id' then return seqOf(info[i + 1]) end
  end
  return 0
end
local function trimmed(key)
  local first = redis.call('XRANGE', key, '-', '+', 'COUNT', 1)[1]
  if first then return tonumber(first[2][2]) end
  return newest(key)
end
local function clock()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000000 + tonumber(t[2])
end
`;

/** KEYS: meta, stream. ARGV: size, body, channel, topic. Returns the sequence number. */
const APPEND = `${HELPERS}
local last = tonumber(redis.call('HGET', KEYS[1], 'last') or '0')
local seq = math.max(last + 1, clock())
if last == 0 then redis.call('HSET', KEYS[1], 'base', fmt(seq)) end
redis.call('HSET', KEYS[1], 'last', fmt(seq))
local prev = newest(KEYS[2])
redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[1], fmt(seq) .. '-0', 'p', fmt(prev), 'b', ARGV[2])
redis.call('SPUBLISH', ARGV[3], fmt(seq) .. '\\n' .. fmt(prev) .. '\\n' .. ARGV[4] .. '\\n' .. ARGV[2])
return fmt(seq)
`;

/**
 * KEYS: meta, stream. ARGV: position, count. A position is valid when it is 0 (the stream began
 * before the group existed), or from this group's life (at or after its base) and not ahead of
 * the clock: a position above `last` is a tail lost in a failover, whose events will all be
 * followed by later sequence numbers. Returns {'unknown'}, {'too_old'} or {'ok', entries...}.
 */
const SINCE = `${HELPERS}
local position = tonumber(ARGV[1])
local meta = redis.call('HMGET', KEYS[1], 'base', 'last')
if not meta[1] then
  if position == 0 then return {'ok'} end
  return {'unknown'}
end
if position ~= 0 and (position < tonumber(meta[1]) or position > math.max(tonumber(meta[2]), clock())) then
  return {'unknown'}
end
if trimmed(KEYS[2]) > position then return {'too_old'} end
local out = {'ok'}
for _, entry in ipairs(redis.call('XRANGE', KEYS[2], '(' .. fmt(position) .. '-0', '+', 'COUNT', ARGV[2])) do
  out[#out + 1] = entry
end
return out
`;

export interface StoredEvent {
  topic: string;
  seq: number;
  body: string;
}

export type Since = { ok: true; events: StoredEvent[] } | { ok: false; reason: 'unknown' | 'too_old' };

/** The store half: keys and channel of a topic share its slot through the `{topic}` hash tag. */
export class ProtoStore {
  constructor(
    readonly client: Cluster,
    readonly options: { prefix?: string; size?: number; waitReplicas?: number; waitTimeoutMs?: number } = {},
  ) {}

  key(topic: string, kind: string): string {
    return `${this.options.prefix ?? 'ss:'}{${topic}}:${kind}`;
  }

  channel(topic: string): string {
    return this.key(topic, 'c');
  }

  /**
   * Appends and publishes; with `waitReplicas`, then waits for that many replicas on the same
   * connection (a pipeline keeps WAIT on the node that ran the script) and fails unless they
   * acknowledged.
   */
  async append(topic: string, body: string): Promise<number> {
    const args = [
      2,
      this.key(topic, 'm'),
      this.key(topic, 's'),
      this.options.size ?? 10_000,
      body,
      this.channel(topic),
      topic,
    ] as const;
    const replicas = this.options.waitReplicas ?? 0;
    if (replicas === 0) return Number(await this.client.eval(APPEND, ...args));
    // WAIT counts the writes of the connection it runs on: the script and WAIT go to the node
    // serving the topic's slot, on that node's own connection, in one pipeline. ioredis does
    // not follow redirections inside a pipeline, so a MOVED answer (the script did not run)
    // sends it to the node named there.
    const slot = await this.#slotOf(this.key(topic, 'm'));
    for (let attempt = 1; ; attempt++) {
      const node = this.#node(this.#owners.get(slot) ?? this.client.slots[slot]?.[0]);
      if (node === undefined) {
        if (attempt >= 10) throw new Error(`no node known for slot ${slot}`);
        await refreshSlots(this.client);
        continue;
      }
      const results = await node
        .pipeline()
        .eval(APPEND, ...args)
        .call('WAIT', replicas, this.options.waitTimeoutMs ?? 1000)
        .exec()
        .catch((err: unknown) => {
          // The outcome is unknown (it may have run): fail loudly, and find the slot's new
          // owner for the next append.
          this.#owners.delete(slot);
          void refreshSlots(this.client);
          throw err;
        });
      const [appended, waited] = results ?? [];
      const refused =
        appended?.[0] instanceof Error
          ? /^(MOVED|CLUSTERDOWN|TRYAGAIN) ?(\d+)? ?(\S+)?/.exec(appended[0].message)
          : null;
      if (refused !== null && attempt < 10) {
        if (refused[1] === 'MOVED' && refused[3] !== undefined) this.#owners.set(slot, refused[3]);
        else await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
        continue;
      }
      if (appended?.[0]) throw appended[0];
      if (waited?.[0]) throw waited[0];
      if (Number(waited?.[1]) < replicas) {
        throw new Error(`stored on the primary but acknowledged by ${String(waited?.[1])} of ${replicas} replicas`);
      }
      return Number(appended?.[1]);
    }
  }

  readonly #owners = new Map<number, string>();
  readonly #slots = new Map<string, number>();

  async #slotOf(key: string): Promise<number> {
    let slot = this.#slots.get(key);
    if (slot === undefined) {
      slot = Number(await this.client.cluster('KEYSLOT', key));
      this.#slots.set(key, slot);
    }
    return slot;
  }

  #node(nodeKey: string | undefined): Redis | undefined {
    if (nodeKey === undefined) return undefined;
    return this.client
      .nodes('master')
      .find((node) => `${node.options.host ?? ''}:${node.options.port ?? 0}` === nodeKey);
  }

  async since(topic: string, position: number): Promise<Since> {
    const reply = (await this.client.eval(
      SINCE,
      2,
      this.key(topic, 'm'),
      this.key(topic, 's'),
      position,
      100_000,
    )) as unknown[];
    if (reply[0] !== 'ok') return { ok: false, reason: reply[0] === 'too_old' ? 'too_old' : 'unknown' };
    return {
      ok: true,
      events: (reply.slice(1) as [string, string[]][]).map(([entryId, fields]) => ({
        topic,
        seq: Number(entryId.slice(0, entryId.indexOf('-'))),
        body: fields[3] ?? '',
      })),
    };
  }

  /** The group's newest sequence number, 0 before its first event. */
  async head(topic: string): Promise<number> {
    return Number((await this.client.hget(this.key(topic, 'm'), 'last')) ?? 0);
  }
}

/** The bus half, one per process. */
export class ProtoBus {
  readonly #connections = new Map<string, Redis>();
  readonly #watches = new Map<string, { refs: number; node: string; ready: Promise<number> }>();
  readonly #slots = new Map<string, number>();
  gaps = 0;
  readonly gapCauses = new Map<string, number>();

  constructor(
    readonly store: ProtoStore,
    readonly handlers: {
      event(topic: string, seq: number, prev: number, body: string): void;
      gap(topics: string[]): void;
      /** A new subscription to the topic is being made: its `prev` chain starts over. */
      starting(topic: string): void;
      /** ... and is confirmed; `head` was read after the confirmation. */
      started(topic: string, head: number): void;
    },
  ) {}

  /**
   * Listens to a topic's channel; resolves, once the subscription is confirmed, to the group's
   * head read after it (so the process knows where its live view of the topic begins).
   */
  watch(topic: string): Promise<number> {
    const existing = this.#watches.get(topic);
    if (existing !== undefined) {
      existing.refs++;
      return existing.ready;
    }
    const entry = { refs: 1, node: '', ready: Promise.resolve(0) };
    this.handlers.starting(topic);
    entry.ready = (async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          entry.node = await this.#ownerOf(this.store.channel(topic));
          const connection = this.#connection(entry.node);
          await withTimeout(connection.ssubscribe(this.store.channel(topic)), 1000);
          const head = await this.store.head(topic);
          if (this.#watches.get(topic) === entry) this.handlers.started(topic, head);
          return head;
        } catch (err) {
          // A stale slot map (failover, slot moved): ask the cluster again.
          if (attempt >= 20) throw err;
          await refreshSlots(this.store.client);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    })();
    this.#watches.set(topic, entry);
    entry.ready.catch(() => this.#watches.delete(topic));
    return entry.ready;
  }

  unwatch(topic: string): void {
    const entry = this.#watches.get(topic);
    if (entry === undefined || --entry.refs > 0) return;
    this.#watches.delete(topic);
    this.#connections
      .get(entry.node)
      ?.sunsubscribe(this.store.channel(topic))
      .catch(() => undefined);
  }

  /** Forgets a topic's subscription after a gap, so its next watcher subscribes afresh. */
  forget(topics: readonly string[]): void {
    for (const topic of topics) {
      const entry = this.#watches.get(topic);
      if (entry === undefined) continue;
      this.#watches.delete(topic);
      this.#connections
        .get(entry.node)
        ?.sunsubscribe(this.store.channel(topic))
        .catch(() => undefined);
    }
  }

  close(): void {
    for (const connection of this.#connections.values()) connection.disconnect();
  }

  async #ownerOf(channel: string): Promise<string> {
    let slot = this.#slots.get(channel);
    if (slot === undefined) {
      slot = Number(await this.store.client.cluster('KEYSLOT', channel));
      this.#slots.set(channel, slot);
    }
    const owner = this.store.client.slots[slot]?.[0];
    if (owner === undefined) throw new Error(`no owner known for slot ${slot}`);
    return owner;
  }

  #connection(node: string): Redis {
    const known = this.#connections.get(node);
    if (known !== undefined && known.status !== 'end' && known.status !== 'close') return known;
    const [host, port] = node.split(':') as [string, string];
    // No ready check: its INFO could otherwise reach a connection already subscribed.
    const connection = new Redis(Number(port), host, {
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
      enableReadyCheck: false,
    });
    this.#connections.set(node, connection);
    connection.on('smessage', (_channel: string, message: string) => {
      const [seq, prev, topic] = message.split('\n', 3) as [string, string, string];
      const body = message.slice(seq.length + prev.length + topic.length + 3);
      this.handlers.event(topic, Number(seq), Number(prev), body);
    });
    // Only topics still watched through this connection (an answer to our own SUNSUBSCRIBE
    // can also come back as a queue state error).
    const lost = (candidates: string[], cause: string): void => {
      const topics = candidates.filter((topic) => this.#watches.get(topic)?.node === node);
      if (topics.length === 0) return;
      this.gapCauses.set(cause, (this.gapCauses.get(cause) ?? 0) + 1);
      this.gaps++;
      this.forget(topics);
      this.handlers.gap(topics);
    };
    connection.on('error', (error: Error) => {
      // ioredis reports the server's unsolicited SUNSUBSCRIBE (the slot moved) this way.
      const moved = /Last reply: sunsubscribe,([^,]+),/.exec(error.message);
      const topic = moved === null ? undefined : /\{(.+)\}/.exec(moved[1]!)?.[1];
      if (topic !== undefined) lost([topic], `sunsubscribe (${error.message.slice(0, 30)})`);
      else
        this.gapCauses.set(
          `error ${error.message.slice(0, 40)}`,
          (this.gapCauses.get(`error ${error.message.slice(0, 40)}`) ?? 0) + 1,
        );
    });
    connection.on('close', () => {
      if (this.#connections.get(node) === connection) this.#connections.delete(node);
      lost(
        [...this.#watches].filter(([, entry]) => entry.node === node).map(([topic]) => topic),
        'close',
      );
    });
    return connection;
  }
}

/** What a stream delivers to: the simulated client. */
export interface Reader {
  /** The stream opened; `positions` are where it starts, before any replay. */
  ready?(positions: ReadonlyMap<string, number>): void;
  receive(topic: string, seq: number, id: string, source?: string): void;
  reset(reason: string): void;
  ended(reason: string): void;
}

interface Stream {
  topics: string[];
  reader: Reader;
  positions: Map<string, number>;
  held: StoredEvent[] | undefined;
  closed: boolean;
}

/** The hub half, one per process. */
export class ProtoHub {
  readonly bus: ProtoBus;
  readonly #byTopic = new Map<string, Set<Stream>>();
  /** Per topic, the newest sequence number this process has seen (for the `prev` chain). */
  readonly #seen = new Map<string, number>();
  /** Topics whose new subscription is not confirmed yet: no `prev` check until it is. */
  readonly #starting = new Set<string>();
  holes = 0;

  constructor(readonly store: ProtoStore) {
    this.bus = new ProtoBus(store, {
      event: (topic, seq, prev, body) => this.#event(topic, seq, prev, body),
      gap: (topics) => this.#gap(topics),
      starting: (topic) => {
        this.#starting.add(topic);
        this.#seen.delete(topic);
      },
      started: (topic, head) => {
        this.#starting.delete(topic);
        this.#seen.set(topic, Math.max(this.#seen.get(topic) ?? 0, head));
      },
    });
  }

  /** Opens a stream; `lastId` resumes it. Resolves to a function that closes it. */
  async open(topics: string[], reader: Reader, lastId?: string): Promise<() => void> {
    const stream: Stream = { topics, reader, positions: new Map(), held: [], closed: false };
    for (const topic of topics) {
      let set = this.#byTopic.get(topic);
      if (set === undefined) this.#byTopic.set(topic, (set = new Set()));
      set.add(stream);
    }
    const close = (reason = 'client'): void => {
      if (stream.closed) return;
      stream.closed = true;
      for (const topic of topics) {
        const set = this.#byTopic.get(topic);
        set?.delete(stream);
        // No stream left on it here: the process stops following its chain.
        if (set?.size === 0) this.#seen.delete(topic);
        this.bus.unwatch(topic);
      }
      if (reason !== 'client') reader.ended(reason);
    };
    (stream as Stream & { close: typeof close }).close = close;
    let heads: number[];
    try {
      // Live delivery first, then the store: nothing published meanwhile falls between.
      heads = await Promise.all(topics.map((topic) => this.bus.watch(topic)));
    } catch {
      close('unavailable');
      return close;
    }
    const resumeFrom = lastId === undefined ? undefined : decodeCursor(lastId, topics);
    if (lastId !== undefined && resumeFrom === undefined) {
      reader.reset('unknown');
    }
    // Every position is known before anything is written: each id carries all of them. A new
    // stream starts where this process's live view of each topic is now (the head read when
    // the subscription began, or the newest event seen since).
    for (const [i, topic] of topics.entries()) {
      stream.positions.set(topic, resumeFrom?.get(topic) ?? Math.max(heads[i]!, this.#seen.get(topic) ?? 0));
    }
    reader.ready?.(new Map(stream.positions));
    if (resumeFrom !== undefined) {
      for (const topic of topics) {
        let result: Since;
        try {
          result = await this.store.since(topic, resumeFrom.get(topic)!);
        } catch {
          // Not an answer about the cursor: the client retries, nothing is skipped.
          close('unavailable');
          return close;
        }
        if (stream.closed) return close;
        if (!result.ok) {
          reader.reset(result.reason);
          stream.positions.set(topic, Math.max(stream.positions.get(topic)!, await this.store.head(topic)));
          continue;
        }
        for (const event of result.events) this.#deliver(stream, event, 'replay');
      }
    }
    const held = stream.held ?? [];
    stream.held = undefined;
    for (const event of held) this.#deliver(stream, event, 'held');
    return close;
  }

  #deliver(stream: Stream, event: StoredEvent, source = 'live'): void {
    if (stream.closed || event.seq <= (stream.positions.get(event.topic) ?? Infinity)) return;
    stream.positions.set(event.topic, event.seq);
    stream.reader.receive(event.topic, event.seq, encodeCursor(stream.positions), source);
  }

  #event(topic: string, seq: number, prev: number, body: string): void {
    const streams = this.#byTopic.get(topic);
    if (streams === undefined || streams.size === 0) return;
    const seen = this.#seen.get(topic);
    if (seen !== undefined && seq <= seen) return;
    if (seen !== undefined && prev !== seen && !this.#starting.has(topic)) {
      // Missed at least one event of this topic (a subscription lost for a moment).
      this.holes++;
      this.#gap([topic]);
      this.bus.forget([topic]);
      return;
    }
    this.#seen.set(topic, seq);
    for (const stream of streams) {
      if (stream.held !== undefined) stream.held.push({ topic, seq, body });
      else this.#deliver(stream, { topic, seq, body });
    }
  }

  /** Ends the streams on these topics, so their clients resume from the store. */
  #gap(topics: string[]): void {
    for (const topic of topics) {
      this.#seen.delete(topic);
      for (const stream of [...(this.#byTopic.get(topic) ?? [])]) {
        (stream as Stream & { close: (reason: string) => void }).close('gap');
      }
    }
  }

  close(): void {
    this.bus.close();
  }
}

/** Asks the cluster for its slot map again; gives up waiting after 1 s (a refresh can stall). */
function refreshSlots(client: Cluster): Promise<void> {
  return withTimeout(new Promise<void>((resolve) => client.refreshSlotsCache(() => resolve())), 1000).catch(
    () => undefined,
  );
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err as Error);
      },
    );
  });
}
