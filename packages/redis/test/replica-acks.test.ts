import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SsekitError } from '@ssekit/core';
import { startRedisSentinel } from '@ssekit/testkit';
import type { RunningRedisSentinel } from '@ssekit/testkit';
import { createRedisBackend, createRedisReplayStore } from '../src/index.js';
import type { RedisReplayStore, SentinelConnectionOptions } from '../src/index.js';

// `replicaAcks`: a publish resolves only once WAIT says enough replicas hold it, and rejects
// loudly (never hangs) when they do not answer in time.
let topology: RunningRedisSentinel;
let sentinel: SentinelConnectionOptions;
let unique = 0;

beforeAll(async () => {
  topology = await startRedisSentinel();
  sentinel = { sentinels: topology.sentinels, name: topology.masterName };
});

afterAll(async () => {
  await topology.stop();
});

async function withStore(
  replicas: number,
  run: (store: RedisReplayStore, prefix: string) => Promise<void>,
): Promise<void> {
  const prefix = `acks${++unique}:`;
  const store = createRedisReplayStore({ sentinel, prefix, replicaAcks: { replicas, timeoutMs: 300 } });
  try {
    await run(store, prefix);
  } finally {
    await store.close();
  }
}

async function rejection(promise: Promise<unknown>): Promise<SsekitError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(SsekitError);
  return error as SsekitError;
}

describe('replicaAcks', () => {
  it('resolves a publish once the replica holds it', async () => {
    const primary = await topology.primary();
    const replica = new Redis({ host: '127.0.0.1', port: topology.dataPorts.find((port) => port !== primary)! });
    try {
      await withStore(1, async (store, prefix) => {
        const stored = await Promise.all(
          Array.from({ length: 40 }, (_, i) => store.append({ topic: 't', body: `data: ${i}\n\n` })),
        );
        // Read right after the publishes resolved, with no waiting: the replica has them all.
        const entries = await replica.xrange(`${prefix}s:t`, '-', '+');
        expect(entries.map(([entryId]) => entryId).sort()).toEqual(stored.map((event) => `${event.id}-0`).sort());
      });
    } finally {
      replica.disconnect();
    }
  });

  it('rejects with unavailable, saying the event may not survive, when too few replicas answer', async () => {
    await withStore(2, async (store) => {
      const error = await rejection(store.append({ topic: 't', body: 'data: x\n\n' }));
      expect(error.code).toBe('unavailable');
      expect(error.status).toBe(503);
      expect(error.message).toMatch(/^ssekit: the event was stored on the Redis primary, but only 1 of 2 replicas/);
      expect(error.message).toMatch(/a failover may lose it/);
    });
  });

  it('fails every publish while the replica is stalled, none hangs, and recovers after', async () => {
    const primary = await topology.primary();
    const replicaPid = topology.pid(topology.dataPorts.find((port) => port !== primary)!)!;
    await withStore(1, async (store) => {
      await store.append({ topic: 't', body: 'data: before\n\n' });
      process.kill(replicaPid, 'SIGSTOP');
      let results: PromiseSettledResult<unknown>[];
      try {
        results = await Promise.allSettled(
          Array.from({ length: 20 }, (_, i) => store.append({ topic: 't', body: `data: ${i}\n\n` })),
        );
      } finally {
        process.kill(replicaPid, 'SIGCONT');
      }
      for (const result of results) {
        expect(result.status).toBe('rejected');
        const reason = (result as PromiseRejectedResult).reason as SsekitError;
        expect(reason).toBeInstanceOf(SsekitError);
        expect(reason.code).toBe('unavailable');
      }
      // The replica caught up: publishes resolve again (bounded retries while it resyncs).
      let after: unknown;
      for (let attempt = 0; attempt < 50 && after === undefined; attempt++) {
        after = await store.append({ topic: 't', body: 'data: after\n\n' }).catch(() => undefined);
      }
      expect(after).toBeDefined();
    });
  });

  it('is checked when the backend is made, naming the option and the fix', () => {
    const bad = [
      [{ replicas: 0, timeoutMs: 100 }, /`replicaAcks.replicas` must be an integer of at least 1/],
      [{ replicas: 1.5, timeoutMs: 100 }, /`replicaAcks.replicas`/],
      [
        { replicas: 1, timeoutMs: 0 },
        /`replicaAcks.timeoutMs` must be a positive integer of ms below `commandTimeoutMs` \(5000\)/,
      ],
      [
        { replicas: 1, timeoutMs: 5000 },
        /below `commandTimeoutMs` \(5000\), e\.g\. `replicaAcks: \{ replicas: 1, timeoutMs: 500 \}`/,
      ],
    ] as const;
    for (const [replicaAcks, message] of bad) {
      let thrown: unknown;
      try {
        createRedisBackend({ sentinel, replicaAcks });
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(SsekitError);
      expect((thrown as SsekitError).code).toBe('invalid_option');
      expect((thrown as SsekitError).message).toMatch(message);
    }
    // A longer command timeout makes room for a longer wait.
    const fine = createRedisBackend({
      sentinel,
      commandTimeoutMs: 10_000,
      replicaAcks: { replicas: 1, timeoutMs: 5000 },
    });
    void fine.close();
  });
});
