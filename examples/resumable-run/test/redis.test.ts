import { request, SseClient, startDemo, startRedis } from '@ssekit/testkit';
import type { RunningDemo, RunningRedis } from '@ssekit/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerWords } from '../src/fake-answer.js';
import { answerText, eventsUrl, expectWholeRun, readToEnd, readWithDrop, startRun } from './support/runs.js';

// Two processes of the example on one private Redis: a run produced on A is served by B.
describe('examples/resumable-run with REDIS_URL, two processes', () => {
  let redis: RunningRedis | undefined;
  let a: RunningDemo;
  let b: RunningDemo;

  beforeAll(async () => {
    redis = await startRedis();
    const env = { REDIS_URL: redis.url, TOKEN_MS: '20', RETRY_MS: '100', HEARTBEAT_MS: '0' };
    [a, b] = await Promise.all([startDemo('resumable-run', env), startDemo('resumable-run', env)]);
  });

  afterAll(async () => {
    // Whatever beforeAll got to.
    await Promise.all(
      [a as RunningDemo | undefined, b as RunningDemo | undefined].map(async (demo) => {
        await demo?.stop();
      }),
    );
    await redis?.stop();
  });

  it('resumes on B a reader dropped on A mid-run, losing nothing and repeating nothing', async () => {
    const words = 50;
    const results = await Promise.all(
      [2, 25].map(async (dropAfter) => {
        const id = await startRun(a.url, { words, seed: 40 + dropAfter });
        return { id, dropAfter, ...(await readWithDrop(a.url, id, dropAfter, { awayMs: 80, resumeBase: b.url })) };
      }),
    );
    for (const { id, dropAfter, before, after, resumeStatus } of results) {
      expect(resumeStatus).toBe(200);
      // The same run, read whole on either process.
      const onB = await readToEnd(eventsUrl(b.url, id, '?from=start'));
      const onA = await readToEnd(eventsUrl(a.url, id, '?from=start'));
      expectWholeRun(onB, words);
      expect(onA).toEqual(onB);
      expect(answerText(onB)).toBe(answerWords(40 + dropAfter, words).join(''));
      expect([...before, ...after]).toEqual(onB);
    }
  });

  it('streams a run produced on A live to a reader on B, and answers its reconnect with 204 on either', async () => {
    const id = await startRun(a.url, { words: 30, seed: 3 });
    // The run exists on B before the POST on A answered.
    const live = await SseClient.connect(eventsUrl(b.url, id, '?from=start'));
    expect(live.status).toBe(200);
    await live.ended;
    expect(live.completed).toBe(true);
    expectWholeRun(live.events, 30);
    const finalId = live.events.at(-1)?.id ?? '';
    for (const base of [a.url, b.url]) {
      const again = await request(eventsUrl(base, id), { headers: { 'last-event-id': finalId } });
      expect(again.status).toBe(204);
    }
  });

  it('tells a reader on B when the process producing its run (A) shuts down mid-answer', async () => {
    const id = await startRun(a.url, { words: 2000, seed: 8 });
    const reader = await SseClient.connect(eventsUrl(b.url, id, '?from=start'));
    await reader.waitForEvents(5);
    expect(await a.stop()).toBe(0);
    await reader.ended;
    expect(reader.completed).toBe(true);
    expect(reader.events.at(-1)?.event).toBe('failed');
    // B still serves the run, which is over: a reader from the start gets it whole, `failed` last.
    const whole = await readToEnd(eventsUrl(b.url, id, '?from=start'));
    expect(whole).toEqual(reader.events);
  });
});
