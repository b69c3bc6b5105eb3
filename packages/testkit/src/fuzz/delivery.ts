import { expect, it } from 'vitest';
import { WATCHED_TOPICS } from '../fuzz-inputs.js';
import { eventually, stats } from '../http.js';
import { SseClient } from '../sse-client.js';
import { expectWellFormedStream } from './answers.js';
import { FUZZ_ENV } from './run.js';
import type { FuzzRun } from './run.js';

/** What the fuzzing left behind: the events a watcher and a resumed stream got, and `/stats`. */
export function defineDeliveryFuzz(fuzz: FuzzRun): void {
  const { runs, published } = fuzz;
  it('lets no forged field reach a subscriber, and keeps /stats consistent', { timeout: 60_000 }, async () => {
    const { demo, watcher, baseline, refusals } = fuzz;
    const watched = published.filter((item) => (WATCHED_TOPICS as readonly string[]).includes(item.topic));
    // Not vacuous: many bodies were accepted and many refused.
    expect(watched.length).toBeGreaterThan(runs / 2);
    expect(refusals).toBeGreaterThan(runs);
    await watcher.waitFor((c) => c.events.length >= watched.length, 20_000, `${watched.length} events`);
    const key = (item: { id: string | undefined; event: string | undefined; data: string }): string =>
      JSON.stringify([item.id, item.event === '' ? undefined : item.event, item.data]);
    expect(watcher.events.map(key).sort()).toEqual(watched.map(key).sort());
    expectWellFormedStream(watcher.raw);
    expect(watcher.raw.includes('\r')).toBe(false);
    expect(watcher.retries).toEqual([Number(FUZZ_ENV.RETRY_MS)]);
    expect(watcher.comments.every((comment) => comment === '')).toBe(true);
    expect(watcher.isEnded).toBe(false);

    // History replays the same events, in the same order.
    const marker = watcher.events[0]?.id as string;
    const search = WATCHED_TOPICS.map((topic) => `topic=${topic}`).join('&');
    const resumed = await SseClient.connect(`${demo.url}/events?${search}`, { lastEventId: marker });
    try {
      await resumed.waitFor((c) => c.events.length >= watched.length - 1, 20_000, 'the replay');
      expect(resumed.events).toEqual(watcher.events.slice(1));
      expectWellFormedStream(resumed.raw);
    } finally {
      resumed.close();
    }

    await eventually(
      async () => (await stats(demo.url)).connections === baseline.connections,
      'connections back to baseline',
      10_000,
    );
    const after = await stats(demo.url);
    expect(after.published).toBe((baseline.published ?? 0) + published.length);
    expect(demo.child.exitCode).toBe(null);
    expect(demo.child.signalCode).toBe(null);
  });
}
