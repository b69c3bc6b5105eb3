import { request, SseClient } from '@ssekit/testkit';
import type { ReceivedEvent } from '@ssekit/testkit';
import { expect } from 'vitest';

/** `POST /runs`; resolves to the run's id. */
export async function startRun(base: string, body: Record<string, unknown>): Promise<string> {
  const answer = await request(`${base}/runs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(answer.status, answer.text).toBe(201);
  const { id, events } = answer.json as { id: string; events: string };
  expect(events).toBe(`/runs/${id}/events`);
  expect(answer.headers.location).toBe(events);
  return id;
}

/** The URL of a run's stream. */
export function eventsUrl(base: string, id: string, query = ''): string {
  return `${base}/runs/${id}/events${query}`;
}

/** Reads a stream to its end; it must be a 200 that the server ended cleanly. */
export async function readToEnd(url: string, lastEventId?: string): Promise<ReceivedEvent[]> {
  const client = await SseClient.connect(url, lastEventId === undefined ? {} : { lastEventId });
  expect(client.status).toBe(200);
  await client.ended;
  expect(client.completed, 'the server ended the stream cleanly').toBe(true);
  return client.events;
}

/** The answer's text: every `token` event's text, in order. */
export function answerText(events: readonly ReceivedEvent[]): string {
  return events
    .filter((event) => event.event === 'token')
    .map((event) => (JSON.parse(event.data) as { text: string }).text)
    .join('');
}

/** What a whole run is: `start`, the tokens, then exactly one final event, `done`, last. */
export function expectWholeRun(events: readonly ReceivedEvent[], words: number): void {
  expect(events.map((event) => event.event)).toEqual(['start', ...Array<string>(words).fill('token'), 'done']);
  expect(JSON.parse(events.at(-1)?.data ?? '')).toEqual({ words });
  const ids = events.map((event) => BigInt(event.id ?? ''));
  expect(
    ids.every((id, n) => n === 0 || id > (ids[n - 1] ?? 0n)),
    'ids increase',
  ).toBe(true);
}

/**
 * A reader that drops its connection after `dropAfter` events, waits `awayMs` while the run
 * goes on, then reconnects with the last id it had, on `resumeBase` (another process, maybe),
 * and reads to the end. Returns everything it received, in order.
 */
export async function readWithDrop(
  base: string,
  id: string,
  dropAfter: number,
  options: { awayMs?: number; resumeBase?: string } = {},
): Promise<{ before: ReceivedEvent[]; after: ReceivedEvent[]; resumeStatus: number }> {
  const first = await SseClient.connect(eventsUrl(base, id, '?from=start'));
  expect(first.status).toBe(200);
  await first.waitFor((c) => c.events.length >= dropAfter || c.isEnded, 10_000, `${dropAfter} events`);
  first.close();
  const before = first.events.slice(0, dropAfter);
  await new Promise((resolve) => setTimeout(resolve, options.awayMs ?? 0));
  const lastEventId = before.at(-1)?.id ?? '';
  const second = await SseClient.connect(eventsUrl(options.resumeBase ?? base, id), { lastEventId });
  await second.ended;
  if (second.status === 200) expect(second.completed).toBe(true);
  return { before, after: second.events, resumeStatus: second.status };
}
