import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Envelope } from '@ssekit/core';
import { startRedis } from '@ssekit/testkit';
import type { RunningRedis } from '@ssekit/testkit';
import { createRedisBackend, createRedisBus, decodeEnvelope, encodeEnvelope } from '../src/index.js';
import type { RedisBackend } from '../src/index.js';
import { until } from './support/harness.js';

let redis: RunningRedis;

beforeAll(async () => {
  redis = await startRedis();
});

afterAll(async () => {
  await redis.stop();
});

/** A bus under `prefix` that watches `topics` and records every envelope it hears. */
async function listenTo(
  prefix: string,
  topics: readonly string[],
): Promise<{ received: Envelope[]; close: () => Promise<void> }> {
  const bus = createRedisBus({ url: redis.url, prefix });
  const received: Envelope[] = [];
  await bus.subscribe({ envelope: (envelope) => received.push(envelope) });
  for (const topic of topics) await bus.watch(topic);
  return { received, close: () => bus.close() };
}

describe('append and publish in one script', () => {
  it('appends, then publishes the envelope with the hub id as origin', async () => {
    const backend = createRedisBackend({ url: redis.url, prefix: 'one:' });
    const listener = await listenTo('one:', ['news']);
    try {
      expect(backend.store.appendAndPublish).toBeTypeOf('function');
      const stored = await backend.store.appendAndPublish!({ topic: 'news', body: 'data: hello\n\n' }, 'hub-1');
      expect(stored).toEqual({ topic: 'news', id: stored.id, body: 'data: hello\n\n' });
      await until(() => listener.received.length === 1, 'the envelope');
      expect(listener.received).toEqual([{ ...stored, origin: 'hub-1' }]);
      // The same bytes the bus itself would send.
      expect(encodeEnvelope(listener.received[0]!)).toBe(`2\nhub-1\nnews\n${stored.id}\n\ndata: hello\n\n`);
    } finally {
      await listener.close();
      await backend.close();
    }
  });

  it('publishes in id order even when several processes append at once', async () => {
    const backends: RedisBackend[] = [0, 1, 2].map(() => createRedisBackend({ url: redis.url, prefix: 'race:' }));
    const listener = await listenTo('race:', ['t0', 't1']);
    try {
      const appended = await Promise.all(
        backends.flatMap((backend, b) =>
          Array.from({ length: 50 }, (_, i) =>
            backend.store.appendAndPublish!({ topic: `t${i % 2}`, body: `data: ${b}-${i}\n\n` }, `p${b}`),
          ),
        ),
      );
      await until(() => listener.received.length === 150, '150 envelopes');
      const heard = listener.received.map((envelope) => envelope.id);
      // One counter, one script: the topics' channels, heard on one connection, carry ids strictly
      // increasing.
      for (let i = 1; i < heard.length; i++) expect(BigInt(heard[i]!) > BigInt(heard[i - 1]!)).toBe(true);
      expect([...heard].sort()).toEqual(appended.map((result) => result.id).sort());
    } finally {
      await listener.close();
      await Promise.all(backends.map((backend) => backend.close()));
    }
  });

  it('keeps its keys under the prefix and its ids in one counter started at the first use', async () => {
    const backend = createRedisBackend({ url: redis.url, prefix: 'keys:', size: 10 });
    const raw = new Redis(redis.url);
    try {
      const before = Date.now() * 1000;
      const a = await backend.store.append({ topic: 'a', body: 'data: 1\n\n' });
      const b = await backend.store.append({ topic: 'b:x/y', body: 'data: 2\n\n', id: 'given-1' });
      expect(a.id).toMatch(/^\d{16}$/);
      expect(Number(a.id)).toBeGreaterThan(before);
      expect((await raw.keys('keys:*')).sort()).toEqual([
        'keys:g:b:x/y',
        'keys:meta',
        'keys:s:a',
        'keys:s:b:x/y',
        'keys:x:a',
        'keys:x:b:x/y',
      ]);
      // The given id is indexed under the sequence number the store assigned it, the last one.
      const last = await raw.hget('keys:meta', 'last');
      expect(BigInt(last ?? '0') > BigInt(a.id)).toBe(true);
      expect(await raw.zscore('keys:g:b:x/y', 'given-1')).toBe(last);
      expect(b).toEqual({ topic: 'b:x/y', id: 'given-1', body: 'data: 2\n\n' });
    } finally {
      raw.disconnect();
      await backend.close();
    }
  });

  it('ignores messages on its channels that are not envelopes of their topic, and reports them', async () => {
    const errors: Error[] = [];
    const bus = createRedisBus({ url: redis.url, prefix: 'noise:', onError: (error) => errors.push(error) });
    const received: Envelope[] = [];
    await bus.subscribe({ envelope: (envelope) => received.push(envelope) });
    await bus.watch('t');
    const raw = new Redis(redis.url);
    try {
      await raw.publish('noise:c:t', 'hello');
      await raw.publish('noise:c:t', '1\nonly\ntwo');
      await raw.publish('noise:c:t', encodeEnvelope({ origin: 'o', topic: 'other', id: '0', body: '' }));
      const ok: Envelope = { origin: 'o', topic: 't', id: '1', body: 'data: \n\n' };
      await bus.publish(ok);
      await until(() => received.length === 1, 'the envelope');
      expect(received).toEqual([ok]);
      expect(errors.map((error) => error.message)).toEqual([
        'ssekit: ignored a message on noise:c:t that is not an ssekit envelope',
        'ssekit: ignored a message on noise:c:t that is not an ssekit envelope',
        'ssekit: ignored a message on noise:c:t that is not an ssekit envelope',
      ]);
      expect(decodeEnvelope('3\na\nb\nc\n\nd')).toBe(undefined);
      expect(decodeEnvelope('2\na\nb\nc\nd')).toBe(undefined);
    } finally {
      raw.disconnect();
      await bus.close();
    }
  });

  it('carries the final flag, and still reads envelopes of version 1', () => {
    const final: Envelope = { origin: 'o', topic: 't', id: '7', body: 'data: x\n\n', final: true };
    expect(encodeEnvelope(final)).toBe('2\no\nt\n7\nf\ndata: x\n\n');
    expect(decodeEnvelope(encodeEnvelope(final))).toEqual(final);
    expect(decodeEnvelope('1\no\nt\n7\ndata: x\n\n')).toEqual({
      origin: 'o',
      topic: 't',
      id: '7',
      body: 'data: x\n\n',
    });
  });

  it('carries the place in an ordering group as version 3, and refuses a seq that is not one', () => {
    const grouped: Envelope = {
      origin: 'o',
      topic: 't',
      id: 'given-1',
      body: 'data: x\n\ndata: y',
      final: true,
      seq: 42,
    };
    expect(encodeEnvelope(grouped)).toBe('3\no\nt\ngiven-1\nf\n42\ndata: x\n\ndata: y');
    expect(decodeEnvelope(encodeEnvelope(grouped))).toEqual(grouped);
    const open: Envelope = { origin: 'o', topic: 't', id: '9', body: '', seq: 9 };
    expect(decodeEnvelope(encodeEnvelope(open))).toEqual(open);
    for (const bad of ['3\no\nt\n9\n\n0\nb', '3\no\nt\n9\n\nx\nb', '3\no\nt\n9\n\n-1\nb']) {
      expect(decodeEnvelope(bad)).toBe(undefined);
    }
  });

  it('refuses options it cannot work with', () => {
    expect(() => createRedisBackend({})).toThrow(
      'ssekit: createRedisBackend needs exactly one of `client`, `url` and `sentinel`.',
    );
    expect(() => createRedisBackend({ url: redis.url, size: -1 })).toThrow(
      'ssekit: the replay store `size` must be a non-negative integer.',
    );
  });
});
