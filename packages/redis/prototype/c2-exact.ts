// (c) The design end to end on the real cluster: 3 processes, 50 readers on 3 topics each (30
// topics, one ordering group each, over 3 shards), 2,000 publishes; every reader disconnects
// now and then and resumes on a random process with its one Last-Event-ID (a composite
// cursor). With KILL=1 a primary is killed mid-run; WAIT=1 makes each publish wait for one
// replica. Checks that every reader got every event of its topics from its start, exactly once.
import { cluster, log, sleep, startRedisCluster } from './common.js';
import { ProtoHub, ProtoStore } from './proto.js';
import type { Reader } from './proto.js';

const PROCESSES = 3;
const READERS = Number(process.env.READERS ?? 50);
const TOPICS = 30;
const PUBLISHES = Number(process.env.PUBLISHES ?? 2000);
const KILL = process.env.KILL === '1';
const WAIT = Number(process.env.WAIT ?? 0);
const rand = (n: number): number => Math.floor(Math.random() * n);
const topicName = (i: number): string => `room-${i}`;

class SimReader implements Reader {
  readonly received = new Map<string, number[]>();
  start: Map<string, number> | undefined;
  lastId: string | undefined;
  resets: string[] = [];
  gaps = 0;
  sessions = 0;
  #ended: (() => void) | undefined;
  constructor(readonly topics: string[]) {
    for (const t of topics) this.received.set(t, []);
  }
  readonly log: string[] = [];
  ready(positions: ReadonlyMap<string, number>): void {
    // A client that received nothing yet reconnects without a Last-Event-ID and starts live
    // again, as an EventSource does: its start moves.
    if (this.lastId === undefined) this.start = new Map(positions);
    this.log.push(
      `open@${Math.round(Date.now() % 100000)}:${[...positions.values()].map((p) => Math.round((p / 1000) % 100000)).join(',')}`,
    );
  }
  readonly trace: string[] = [];
  receive(topic: string, seq: number, id: string, source = ''): void {
    this.trace.push(`${topic}:${Math.round((seq / 1000) % 100000)}:${source[0] ?? ''}@${this.sessions}`);
    this.received.get(topic)!.push(seq);
    this.lastId = id;
  }
  reset(reason: string): void {
    this.resets.push(reason);
  }
  readonly endings = new Map<string, number>();
  ended(reason: string): void {
    this.log.push(`end@${Math.round(Date.now() % 100000)}:${reason}`);
    if (reason === 'gap') this.gaps++;
    this.endings.set(reason, (this.endings.get(reason) ?? 0) + 1);
    this.#ended?.();
  }
  endedOrAfter(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#ended = resolve;
      setTimeout(resolve, ms);
    });
  }
}

const c = await startRedisCluster();
try {
  const client = cluster(c.nodes, { redisOptions: { maxRetriesPerRequest: 0, enableOfflineQueue: false } });
  const store = new ProtoStore(client, { waitReplicas: WAIT });
  const hubs = Array.from({ length: PROCESSES }, () => new ProtoHub(new ProtoStore(cluster(c.nodes), {})));
  // Every topic has some history before the readers come.
  for (let i = 0; i < TOPICS; i++) await store.append(topicName(i), `data: warm ${i}`);

  const readers = Array.from({ length: READERS }, () => {
    const picked = new Set<string>();
    while (picked.size < 3) picked.add(topicName(rand(TOPICS)));
    return new SimReader([...picked]);
  });
  let publishing = true;
  let settle!: () => void;
  const settled = new Promise<void>((resolve) => (settle = resolve));
  const lives = readers.map(async (reader) => {
    while (publishing) {
      reader.sessions++;
      const close = await hubs[rand(PROCESSES)]!.open(reader.topics, reader, reader.lastId);
      await reader.endedOrAfter(200 + rand(800));
      close();
      await sleep(20 + rand(80));
    }
    // Last sessions: until the end (a gap still ends one; the client comes back).
    for (;;) {
      const close = await hubs[rand(PROCESSES)]!.open(reader.topics, reader, reader.lastId);
      const ended = await Promise.race([reader.endedOrAfter(60_000).then(() => true), settled.then(() => false)]);
      if (!ended) return close;
      await sleep(20 + rand(80));
    }
  });

  const acked = new Map<string, number[]>();
  const failed: string[] = [];
  const failedAt: number[] = [];
  let killed = '';
  const t0 = performance.now();
  const killer = KILL
    ? (async () => {
        await sleep(1500);
        const port = await c.primaryFor(`{${topicName(0)}}`);
        const started = performance.now();
        const promoted = await c.killPrimary(port);
        killed = `killed primary ${port} at ${Math.round(started - t0)} ms, ${promoted} promoted after ${Math.round(performance.now() - started)} ms`;
        if (WAIT > 0) {
          // WAIT 1 cannot be met until the shard has a replica again: the old primary rejoins.
          await c.start(port);
          killed += `, ${port} back as its replica after ${Math.round(performance.now() - started)} ms`;
        }
      })()
    : Promise.resolve();
  let progress = 0;
  const watchdog = setInterval(() => {
    if (process.env.DEBUG === '1')
      log(
        `  [${Math.round(performance.now() - t0)} ms] published ${progress}, failed ${failed.length}, publishing=${String(publishing)}`,
      );
  }, 1000);
  for (let n = 0; n < PUBLISHES; n += 4) {
    progress = n;
    await Promise.all(
      Array.from({ length: 4 }, async (_, k) => {
        const topic = topicName(rand(TOPICS));
        try {
          const seq = await store.append(topic, `data: ${n + k}`);
          acked.set(topic, [...(acked.get(topic) ?? []), seq]);
        } catch (err) {
          failed.push((err as Error).message.slice(0, 70));
          if (process.env.DEBUG === '1' && failed.length % 20 === 1)
            log(`  fail: ${(err as Error).message.slice(0, 100)}`);
          failedAt.push(Math.round(performance.now() - t0));
        }
      }),
    );
    await sleep(3);
  }
  await killer;
  clearInterval(watchdog);
  const publishMs = performance.now() - t0;
  publishing = false;

  // The whole store at the end, per topic.
  const stored = new Map<string, number[]>();
  for (let i = 0; i < TOPICS; i++) {
    const entries = await client.xrange(`ss:{${topicName(i)}}:s`, '-', '+');
    stored.set(
      topicName(i),
      entries.map(([id]) => Number(id.split('-')[0])),
    );
  }
  // Let the last sessions catch up with the last events.
  const deadline = Date.now() + 15_000;
  const caughtUp = (r: SimReader): boolean =>
    r.topics.every((t) => (r.received.get(t)!.at(-1) ?? 0) >= (stored.get(t)!.at(-1) ?? 0));
  while (!readers.every(caughtUp) && Date.now() < deadline) await sleep(50);
  settle();
  const closes = await Promise.all(lives);

  let exact = 0;
  let duplicates = 0;
  let missing = 0;
  let extra = 0;
  let withReset = 0;
  let printedTrace = false;
  for (const reader of readers) {
    let ok = true;
    for (const topic of reader.topics) {
      const got = reader.received.get(topic)!;
      const start = reader.start?.get(topic) ?? Infinity;
      const want = stored.get(topic)!.filter((seq) => seq > start);
      const set = new Set(got);
      duplicates += got.length - set.size;
      const lacking = want.filter((seq) => !set.has(seq)).length;
      const surplus = got.filter((seq) => !want.includes(seq)).length;
      missing += lacking;
      extra += surplus;
      if (lacking + surplus > 0 || got.length !== set.size || got.some((seq, i) => i > 0 && seq <= got[i - 1]!))
        ok = false;
      if (lacking > 0 && process.env.DEBUG === '1') {
        const tail = want.filter((seq) => seq > (got.at(-1) ?? 0)).length;
        log(
          `  reader on ${reader.topics.join(',')}: ${topic} lacks ${lacking} (${tail} after its last received), endings ${JSON.stringify([...reader.endings])}, sessions ${reader.sessions}`,
        );
        const ms = (seq: number): number => Math.round((seq / 1000) % 100000);
        const lackingSeqs = want.filter((seq) => !set.has(seq)).map(ms);
        log(
          `    lacking published at ms ${lackingSeqs.slice(0, 3).join(',')}..${String(lackingSeqs.at(-1))}; start ${ms(reader.start?.get(topic) ?? 0)}; sessions: ${reader.log.join(' | ')}`,
        );
        const firstLacking = want.find((seq) => !set.has(seq))!;
        const at = reader.trace.findIndex(
          (line) => line.startsWith(`${topic}:`) && Number(line.split(':')[1]) > ms(firstLacking),
        );
        log(
          `    first lacking ${topic}:${ms(firstLacking)}; trace around it: ${reader.trace.slice(Math.max(0, at - 12), at + 4).join(' ')}`,
        );
        if (!printedTrace) {
          printedTrace = true;
          log(`    FULL TRACE: ${reader.trace.slice(0, 80).join(' ')}`);
        }
      }
    }
    if (reader.resets.length > 0) withReset++;
    if (ok) exact++;
  }
  const ackedCount = [...acked.values()].reduce((a, b) => a + b.length, 0);
  const lostAcked = [...acked].reduce(
    (sum, [t, seqs]) => sum + seqs.filter((s) => !stored.get(t)!.includes(s)).length,
    0,
  );
  log(
    `${PROCESSES} processes, ${READERS} readers x 3 topics of ${TOPICS}, ${PUBLISHES} publishes in ${Math.round(publishMs)} ms` +
      `${WAIT > 0 ? `, WAIT ${WAIT}` : ''}${KILL ? `; ${killed}` : ''}`,
  );
  log(
    `publishes: ${ackedCount} acknowledged, ${failed.length} failed loudly${failed.length > 0 ? ` between ${failedAt[0]} and ${failedAt.at(-1)} ms (${[...new Set(failed.map((m) => m.slice(0, 40)))].join('; ')})` : ''}; acknowledged but not in the store at the end: ${lostAcked}`,
  );
  log(
    `sessions: ${readers.reduce((a, r) => a + r.sessions, 0)} (${readers.reduce((a, r) => a + r.gaps, 0)} ended by a bus gap; ` +
      `bus gaps ${hubs.reduce((a, h) => a + h.bus.gaps, 0)}, prev-chain holes ${hubs.reduce((a, h) => a + h.holes, 0)})`,
  );
  log(
    `readers exact (every stored event of its topics after its start, once, in order): ${exact}/${READERS}; ` +
      `duplicates ${duplicates}, missing ${missing}, extra ${extra}; readers that got a reset: ${withReset}`,
  );
  const causes = new Map<string, number>();
  for (const hub of hubs) for (const [cause, n] of hub.bus.gapCauses) causes.set(cause, (causes.get(cause) ?? 0) + n);
  log(`bus gap causes: ${JSON.stringify([...causes])}`);
  const lengths = readers.map((r) => r.lastId?.length ?? 0);
  log(
    `Last-Event-ID length for 3 topics: ${Math.min(...lengths)}..${Math.max(...lengths)} characters, e.g. ${readers[0]!.lastId}`,
  );
  for (const close of closes) close();
  for (const hub of hubs) {
    hub.close();
    hub.store.client.disconnect();
  }
  client.disconnect();
} finally {
  await c.stop();
}
// Timers of the last sessions would keep the process alive for a minute.
process.exit(0);
