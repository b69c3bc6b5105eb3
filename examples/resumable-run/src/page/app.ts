// The page: starts a run, shows its answer as it streams, and survives a reload. The server
// bundles this file with @ssekit/client (esbuild, at start-up); the run's event map is a
// type-only import, erased from the bundle.
import { subscribe } from '@ssekit/client';
import type { Subscription } from '@ssekit/client';
import type { RunEvents } from '../events.js';

/** What this tab has shown of a run, kept in sessionStorage so that a reload continues it. */
interface Shown {
  run: string;
  prompt: string;
  text: string;
  /** The id of the last event in `text`: a reload resumes after it, so nothing comes twice. */
  lastEventId: string;
}

const KEY = 'ssekit-resumable-run';

const element = (id: string): HTMLElement => {
  const found = document.getElementById(id);
  if (found === null) throw new Error(`the page has no #${id}`);
  return found;
};
const view = {
  form: element('ask') as HTMLFormElement,
  prompt: element('prompt') as HTMLInputElement,
  run: element('run'),
  runId: element('run-id'),
  state: element('state'),
  question: element('question'),
  answer: element('answer'),
  note: element('note'),
};

let current: Subscription<RunEvents> | undefined;

function show(state: 'connecting' | 'streaming' | 'reconnecting' | 'done' | 'failed' | 'gone', note = ''): void {
  view.state.dataset.state = state;
  view.state.textContent = state;
  view.note.textContent = note;
}

function load(run: string): Shown | undefined {
  try {
    const shown = JSON.parse(sessionStorage.getItem(KEY) ?? 'null') as Shown | null;
    return shown?.run === run ? shown : undefined;
  } catch {
    return undefined;
  }
}

/** Follows run `run`: from where this tab stopped, or from the run's start. */
async function watch(run: string): Promise<void> {
  current?.close();
  const shown: Shown = load(run) ?? { run, prompt: '', text: '', lastEventId: '' };
  view.run.hidden = false;
  view.runId.textContent = run;
  view.question.textContent = shown.prompt;
  view.answer.textContent = shown.text;
  let over = false;
  // `from=start` reads the whole run, for a tab that has shown none of it (another tab, a shared
  // link). With `lastEventId` the server sends only what came after it; if that is nothing,
  // because the run was over, it answers 204 and the loop below ends at once.
  const events = subscribe<RunEvents>(`/runs/${encodeURIComponent(run)}/events?from=start`, {
    lastEventId: shown.lastEventId,
    onState: (state) => {
      if (over || events !== current) return;
      if (state === 'open') show('streaming');
      else if (state === 'retrying') show('reconnecting');
    },
  });
  current = events;
  show('connecting');
  try {
    for await (const event of events) {
      switch (event.type) {
        case 'start':
          shown.prompt = event.data.prompt;
          view.question.textContent = shown.prompt;
          break;
        case 'token':
          shown.text += event.data.text;
          view.answer.append(event.data.text);
          break;
        case 'done':
          over = true;
          show('done');
          break;
        case 'failed':
          over = true;
          show('failed', event.data.message);
          break;
        case 'ssekit-reset':
          // The server no longer holds what followed this tab's last event: read what it has
          // from the start instead.
          sessionStorage.removeItem(KEY);
          void watch(run);
          return;
      }
      shown.lastEventId = event.id;
      sessionStorage.setItem(KEY, JSON.stringify(shown));
    }
    // The run is over: its final event came (now, or before a reload) and the server said 204.
    if (events === current && !over) show('done');
  } catch (error) {
    // A refusal: 404 when the run is unknown or expired.
    if (events === current) show('gone', error instanceof Error ? error.message : String(error));
  }
}

async function ask(prompt: string): Promise<void> {
  const response = await fetch('/runs', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ prompt }),
  });
  const body = (await response.json()) as { id?: string; error?: string };
  if (response.status !== 201 || body.id === undefined) {
    show('failed', body.error ?? `POST /runs answered ${response.status}`);
    return;
  }
  // The run's address: reload it, share it, come back to it.
  history.pushState(null, '', `?run=${encodeURIComponent(body.id)}`);
  await watch(body.id);
}

function runInAddress(): string | null {
  return new URLSearchParams(location.search).get('run');
}

view.form.addEventListener('submit', (submit) => {
  submit.preventDefault();
  ask(view.prompt.value).catch((error: unknown) => {
    show('failed', error instanceof Error ? error.message : String(error));
  });
});

window.addEventListener('popstate', () => {
  const run = runInAddress();
  if (run !== null) void watch(run);
});

const run = runInAddress();
if (run !== null) void watch(run);
