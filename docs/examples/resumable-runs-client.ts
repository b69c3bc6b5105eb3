import { subscribe } from '@ssekit/client';
import type { EventsOf } from '@ssekit/core';
import type { hub } from './resumable-runs-server.js';

declare const runId: string; // from the page's address, e.g. `?run=...`
declare const output: HTMLElement;

// What this tab has shown of the run, kept across reloads: the text, and the id of its last event.
const key = `run:${runId}`;
const shown = JSON.parse(sessionStorage.getItem(key) ?? '{"text":"","lastEventId":""}') as {
  text: string;
  lastEventId: string;
};
output.textContent = shown.text;

// A tab that has shown nothing reads the run from its start; one that has resumes after its last
// event (`lastEventId` wins over `from=start`), so nothing is shown twice.
const run = subscribe<EventsOf<typeof hub>>(`/runs/${runId}/events?from=start`, {
  lastEventId: shown.lastEventId,
});
for await (const event of run) {
  if (event.type === 'token') {
    shown.text += event.data.text;
    output.append(event.data.text);
  }
  if (event.type === 'failed') output.append(` (${event.data.message})`);
  shown.lastEventId = event.id;
  sessionStorage.setItem(key, JSON.stringify(shown));
}
// The loop ends by itself: the final event came (now, or before a reload), then a 204.
console.log(run.state); // 'ended'
