import { request, SseClient, startDemo } from '@ssekit/testkit';
import type { RunningDemo } from '@ssekit/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerWords } from '../src/fake-answer.js';
import { answerText, eventsUrl, expectWholeRun, readToEnd, readWithDrop, startRun } from './support/runs.js';

// One process, runs kept in memory, over real HTTP.
describe('examples/resumable-run', () => {
  let demo: RunningDemo;
  let base = '';

  beforeAll(async () => {
    demo = await startDemo('resumable-run', { TOKEN_MS: '15', RETRY_MS: '100', HEARTBEAT_MS: '0' });
    base = demo.url;
  });

  afterAll(async () => {
    await demo.stop();
  });

  it('reads a run whole with ?from=start: its question, every word of the seeded answer, then done, and the end', async () => {
    const id = await startRun(base, { prompt: 'what is a run?', words: 30, seed: 7 });
    const events = await readToEnd(eventsUrl(base, id, '?from=start'));
    expectWholeRun(events, 30);
    expect(JSON.parse(events[0]?.data ?? '')).toEqual({ prompt: 'what is a run?', words: 30 });
    expect(answerText(events)).toBe(answerWords(7, 30).join(''));
  });

  it('resumes a client dropped mid-run, at several points: every remaining event exactly once, the final one included', async () => {
    const words = 40;
    // Dropped after the question only, early, half-way, and with only the last word and the
    // final event left; each stays away a moment while the run goes on.
    const dropPoints = [1, 3, 20, words];
    const results = await Promise.all(
      dropPoints.map(async (dropAfter) => {
        const id = await startRun(base, { words, seed: dropAfter });
        return { id, dropAfter, ...(await readWithDrop(base, id, dropAfter, { awayMs: 60 })) };
      }),
    );
    for (const { id, dropAfter, before, after, resumeStatus } of results) {
      const whole = await readToEnd(eventsUrl(base, id, '?from=start'));
      expectWholeRun(whole, words);
      expect(before).toEqual(whole.slice(0, dropAfter));
      // The run may have ended while the client was away: then the resume replays the rest and ends.
      expect(resumeStatus, `dropped after ${dropAfter}`).toBe(200);
      expect([...before, ...after]).toEqual(whole);
    }
  });

  it('answers 204 to a client that saw the end, and to one that asks with no resume point', async () => {
    const id = await startRun(base, { words: 5, seed: 1 });
    const whole = await readToEnd(eventsUrl(base, id, '?from=start'));
    const finalId = whole.at(-1)?.id ?? '';
    // As EventSource reconnects after the final event: the same URL, with Last-Event-ID.
    const again = await request(eventsUrl(base, id, '?from=start'), { headers: { 'last-event-id': finalId } });
    expect([again.status, again.text]).toEqual([204, '']);
    const late = await request(eventsUrl(base, id));
    expect([late.status, late.text]).toEqual([204, '']);
    // Resuming from before the end is not the end: the rest, then the end.
    const rest = await readToEnd(eventsUrl(base, id), whole.at(-3)?.id);
    expect(rest).toEqual(whole.slice(-2));
  });

  it('replays the whole run with ?from=start after the end, as often as asked', async () => {
    const id = await startRun(base, { prompt: 'again', words: 12, seed: 99 });
    const first = await readToEnd(eventsUrl(base, id, '?from=start'));
    const second = await readToEnd(eventsUrl(base, id, '?from=start'));
    expectWholeRun(second, 12);
    expect(second).toEqual(first);
    expect(answerText(second)).toBe(answerWords(99, 12).join(''));
  });

  it('streams a run live to a reader that came before its end, and ends that stream after the final event', async () => {
    const id = await startRun(base, { words: 25, seed: 5 });
    const live = await SseClient.connect(eventsUrl(base, id));
    await live.ended;
    expect(live.completed).toBe(true);
    const whole = await readToEnd(eventsUrl(base, id, '?from=start'));
    // Without from=start it joined after the question: it has a tail of the run, the end included.
    expect(live.events.length).toBeGreaterThan(1);
    expect(live.events).toEqual(whole.slice(whole.length - live.events.length));
  });

  it('refuses what it cannot serve with a status and a JSON error', async () => {
    const unknown = await request(eventsUrl(base, '0b0e5c4e-0000-4000-8000-000000000000', '?from=start'));
    expect(unknown.status).toBe(404);
    expect(unknown.json).toEqual({ error: 'no run 0b0e5c4e-0000-4000-8000-000000000000 (or it has expired)' });
    const post = (body: string): Promise<{ status: number; json: unknown }> =>
      request(`${base}/runs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(await post('{"words": 0}')).toMatchObject({
      status: 400,
      json: { error: '`words` must be an integer from 1 to 2000' },
    });
    expect(await post('not json')).toMatchObject({ status: 400, json: { error: 'the body is not JSON' } });
    expect(await post('[1]')).toMatchObject({ status: 400 });
    expect(await post(JSON.stringify({ prompt: 'x'.repeat(20_000) }))).toMatchObject({ status: 413 });
    const id = await startRun(base, { words: 2, seed: 3 });
    const badId = await request(eventsUrl(base, id), { headers: { 'last-event-id': 'not an id' } });
    expect(badId.status).toBe(400);
    expect((await request(`${base}/runs/${id}`)).status).toBe(404);
  });

  it('on SIGTERM ends a run in progress with a `failed` event its readers receive, and exits 0', async () => {
    const id = await startRun(base, { words: 2000, seed: 11 });
    const reader = await SseClient.connect(eventsUrl(base, id, '?from=start'));
    await reader.waitForEvents(5);
    expect(await demo.stop()).toBe(0);
    await reader.ended;
    expect(reader.completed).toBe(true);
    const last = reader.events.at(-1);
    expect(last?.event).toBe('failed');
    expect(JSON.parse(last?.data ?? '')).toEqual({
      message: 'the server stopped before this answer was complete; ask again',
    });
    expect(reader.events.filter((event) => event.event === 'failed' || event.event === 'done')).toHaveLength(1);
    expect(demo.output()).not.toMatch(/failed|Error/);
  });
});
