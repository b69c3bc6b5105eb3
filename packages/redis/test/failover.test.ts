import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SsekitError } from '@ssekit/core';
import { startRedisSentinel } from '@ssekit/testkit';
import type { RunningRedisSentinel } from '@ssekit/testkit';
import { startNode, until } from './support/harness.js';
import type { Node } from './support/harness.js';
import { ResumingReader } from './support/resuming-reader.js';

// The failover test on a real Sentinel setup: three hubs (each its own connections),
// readers that resume by Last-Event-ID, publishes on a timer with `replicaAcks`, and the primary
// SIGKILLed mid-run. Every publish that resolved reaches every reader on its topics exactly once
// and in order; the others reject loudly; none hangs.
const KILL_AT = 300;
/** Publishes go on through the failover and this many after it, up to MAX_PUBLISHES in all. */
const AFTER_FAILOVER = 300;
const MAX_PUBLISHES = 2000;
const AFTER = 100;
const MAX_AFTER_ATTEMPTS = 2000;
const READERS = 30;
const TOPICS = ['t0', 't1', 't2'];
const PUBLISH_TIMEOUT_MS = 15_000;

let topology: RunningRedisSentinel;
let nodes: Node[] = [];

beforeAll(async () => {
  topology = await startRedisSentinel();
});

afterAll(async () => {
  await Promise.all(nodes.map((node) => node.close()));
  await topology.stop();
});

type Outcome =
  { kind: 'resolved'; topic: string; id: string } | { kind: 'rejected'; error: unknown } | { kind: 'hung' };

/** One publish, bounded: it resolves, rejects, or is recorded as hung after the timeout. */
async function publish(node: Node, topic: string, data: string): Promise<Outcome> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hung = new Promise<Outcome>((resolve) => {
    timer = setTimeout(() => resolve({ kind: 'hung' }), PUBLISH_TIMEOUT_MS);
  });
  const done = node.hub.publish(topic, { data }).then(
    (result): Outcome => ({ kind: 'resolved', topic, id: result.id }),
    (error: unknown): Outcome => ({ kind: 'rejected', error }),
  );
  try {
    return await Promise.race([done, hung]);
  } finally {
    clearTimeout(timer);
  }
}

describe('a Sentinel failover under load, with replicaAcks', () => {
  it('delivers every acknowledged publish to every reader exactly once, in order', { timeout: 55_000 }, async () => {
    const sentinel = { sentinels: topology.sentinels, name: topology.masterName };
    const options = { sentinel, prefix: 'failover:', size: 5000, replicaAcks: { replicas: 1, timeoutMs: 500 } };
    nodes = await Promise.all([0, 1, 2].map(() => startNode(options)));
    const readers = Array.from(
      { length: READERS },
      (_, i) => new ResumingReader(nodes, [TOPICS[i % 3]!, TOPICS[(i + 1) % 3]!], i % 3),
    );
    const polling = setInterval(() => {
      for (const reader of readers) reader.poll();
    }, 5);
    const outcomes: Promise<Outcome>[] = [];
    let failover: Promise<void> | undefined;
    let failedOverAt: number | undefined;
    try {
      let i = 0;
      for (; i < MAX_PUBLISHES && (failedOverAt === undefined || i < failedOverAt + AFTER_FAILOVER); i++) {
        if (i === KILL_AT) {
          failover = (async () => {
            const ports = await topology.killPrimary();
            // Back as the promoted primary's replica, so WAIT 1 can be met again.
            await topology.start(ports.killed);
            failedOverAt = outcomes.length;
          })();
        }
        outcomes.push(publish(nodes[i % 3]!, TOPICS[i % 3]!, `p${i}`));
        await new Promise((resolve) => setTimeout(resolve, 3));
      }
      await failover;
      const publishes = i;
      await until(() => nodes.every((node) => node.backend.available), 'every backend to reconnect', 15_000);
      // Publishes once the failover settled, until AFTER of them resolved (bounded): some must
      // resolve, the system recovered. Not all: after the old primary rejoined, WAIT may count 0
      // replicas for a while (seconds, on this shared machine under load).
      const after: Promise<Outcome>[] = [];
      let resolvedAfter = 0;
      for (let j = publishes; j < publishes + MAX_AFTER_ATTEMPTS && resolvedAfter < AFTER; j++) {
        const outcome = publish(nodes[j % 3]!, TOPICS[j % 3]!, `p${j}`);
        after.push(outcome);
        void outcome.then((settled) => {
          if (settled.kind === 'resolved') resolvedAfter++;
        });
        await new Promise((resolve) => setTimeout(resolve, 3));
      }
      const settled = await Promise.all(outcomes);
      const settledAfter = await Promise.all(after);
      const all = [...settled, ...settledAfter];
      const resolved = all.flatMap((outcome, i) =>
        outcome.kind === 'resolved' ? [{ ...outcome, data: `p${i}` }] : [],
      );
      const rejected = all.flatMap((outcome) => (outcome.kind === 'rejected' ? [outcome.error] : []));
      const summary = `${resolved.length} resolved, ${rejected.length} rejected of ${all.length}`;

      expect(
        all.filter((outcome) => outcome.kind === 'hung'),
        summary,
      ).toEqual([]);
      // Every failure is loud and typed: Redis unreachable, or too few replicas in time.
      for (const error of rejected) {
        expect(error, summary).toBeInstanceOf(SsekitError);
        expect((error as SsekitError).code, summary).toBe('unavailable');
      }
      // The kill happened mid-run: publishes resolved before it and after it.
      expect(
        settled.slice(0, KILL_AT).some((outcome) => outcome.kind === 'resolved'),
        summary,
      ).toBe(true);
      expect(settledAfter.filter((outcome) => outcome.kind === 'resolved').length, summary).toBeGreaterThan(0);

      const expectedFor = (reader: ResumingReader): typeof resolved =>
        resolved.filter((outcome) => reader.topics.includes(outcome.topic));
      const caughtUp = (reader: ResumingReader): boolean => {
        const ids = new Set(reader.received.map((event) => event.id));
        return expectedFor(reader).every((outcome) => ids.has(outcome.id));
      };
      // Bounded; on a timeout the assertions below name what is missing.
      await until(() => readers.every(caughtUp), 'every reader to catch up', 20_000).catch(() => undefined);
      for (const reader of readers) {
        const ids = reader.received.map((event) => event.id);
        expect(reader.resets, summary).toEqual([]);
        // Exactly once and in order: ids strictly increase (one clock for all topics).
        for (let i = 1; i < ids.length; i++) expect(BigInt(ids[i]!) > BigInt(ids[i - 1]!), summary).toBe(true);
        // Every acknowledged publish is there, with the id it was acknowledged with.
        const byId = new Map(reader.received.map((event) => [event.id, event.data]));
        const missing = expectedFor(reader).filter((outcome) => byId.get(outcome.id) !== outcome.data);
        expect(missing, summary).toEqual([]);
      }
      expect(readers.every((reader) => reader.streams > 1)).toBe(true);
    } finally {
      clearInterval(polling);
      for (const reader of readers) reader.stop();
    }
  });
});
