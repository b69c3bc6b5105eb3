// The ssekit live demo page, in plain JavaScript. The /events panel reads its stream with
// @ssekit/client (every event name, data decoded, exact resume); the /ticks panel uses the
// browser's own EventSource, to show that both read the same streams. The server bundles this
// file with the client (examples/demo-common/src/bundle.ts). Event data is only ever put in the
// page with textContent, never as HTML.
import { RESET_EVENT, subscribe } from '@ssekit/client';

const LOG_LIMIT = 300;
const TICK_LIMIT = 8;
const RATE_SECONDS = 60;

const $ = (id) => document.getElementById(id);

const view = {
  state: $('state'),
  topics: $('current-topics'),
  lastId: $('last-id'),
  received: $('received'),
  reconnects: $('reconnects'),
  replayed: $('replayed'),
  log: $('log'),
  topicList: $('topic-list'),
  tickState: $('tick-state'),
  tickLatest: $('tick-latest'),
  tickCount: $('tick-count'),
  tickReconnects: $('tick-reconnects'),
  ticks: $('ticks'),
  rate: $('rate'),
};

const events = {
  subscription: null,
  topics: ['default'],
  knownTopics: new Set(['default']),
  opened: false,
  received: 0,
  reconnects: 0,
  replayed: 0,
  seenIds: new Set(),
  // Counting replayed events. The stream cannot tell a replayed event from a live one, so the
  // page asks the server: the hub's `replayed` counter (GET /stats) is read when the stream
  // drops and again once it is back, and the difference is what this page was replayed. The
  // server writes the replay before any live event, so those are the first events received on
  // the resumed stream, and they are the ones marked "replayed". Exact while no other client
  // resumes at the same moment (the counter is per server process); a demo's honest trade-off.
  statsBefore: null,
  sinceReopen: null,
  toMark: 0,
};

const ticks = { source: null, opened: false, count: 0, reconnects: 0 };

// Events per second, per stream, one bucket per wall-clock second.
const rate = { second: Math.floor(Date.now() / 1000), events: [0], ticks: [0] };

function setState(element, state) {
  element.dataset.state = state;
  element.textContent = state;
}

// ---- /events, with @ssekit/client ----

function openEvents() {
  const params = new URLSearchParams();
  for (const topic of events.topics) params.append('topic', topic);
  // One subscription for the panel's whole life on these topics: it reconnects by itself (after
  // the server's `retry:`, with Last-Event-ID) and yields every event, whatever its name.
  const subscription = subscribe(`/events?${params.toString()}`, {
    onState: (state) => onState(subscription, state),
  });
  events.subscription = subscription;
  events.opened = false;
  events.seenIds = new Set();
  events.statsBefore = null;
  events.sinceReopen = null;
  events.toMark = 0;
  setState(view.state, 'connecting');
  view.topics.textContent = events.topics.join(', ');
  view.lastId.textContent = 'none';
  void readEvents(subscription);
}

async function readEvents(subscription) {
  try {
    for await (const event of subscription) {
      if (subscription !== events.subscription) return;
      onEvent(event);
    }
  } catch (error) {
    // A refusal (4xx) or a stream that is not one: the subscription ended with this error.
    if (subscription === events.subscription) view.state.title = error.message;
  }
}

function onState(subscription, state) {
  if (subscription !== events.subscription) return;
  switch (state) {
    case 'open':
      setState(view.state, 'open');
      if (events.opened) {
        events.reconnects++;
        view.reconnects.textContent = String(events.reconnects);
        events.sinceReopen = [];
        void countReplayed(subscription);
      }
      events.opened = true;
      break;
    case 'retrying':
    case 'connecting': {
      const wasOpen = view.state.dataset.state === 'open';
      setState(view.state, events.opened ? 'reconnecting' : 'connecting');
      if (wasOpen) events.statsBefore = replayedCounter();
      break;
    }
    case 'ended':
      setState(view.state, 'closed');
      break;
  }
}

// What the client decoded `data` into: JSON values arrive as values, other text as a string.
function kindOf(data) {
  if (data === null) return 'null';
  if (Array.isArray(data)) return 'array';
  return typeof data;
}

function onEvent(event) {
  events.received++;
  view.received.textContent = String(events.received);
  countRate('events');
  const reset = event.type === RESET_EVENT;
  // A reset carries no id of its own (the client keeps resuming from the last one it had).
  const id = reset ? '' : event.id;
  if (id !== '') view.lastId.textContent = id;
  const duplicate = !reset && id !== '' && events.seenIds.has(id);
  if (!reset && id !== '') events.seenIds.add(id);
  const entry = logEntry(event.type, id, event.raw, { reset, duplicate, kind: kindOf(event.data) });
  // The reset's data is typed by the client: `{ reason, lastEventId }`.
  if (reset) entry.dataset.reason = event.data.reason;
  if (events.toMark > 0) {
    events.toMark--;
    markReplayed(entry);
  } else if (events.sinceReopen !== null) {
    events.sinceReopen.push(entry);
  }
}

async function replayedCounter() {
  try {
    const response = await fetch('/stats', { cache: 'no-store' });
    const body = await response.json();
    return typeof body.replayed === 'number' ? body.replayed : null;
  } catch {
    return null;
  }
}

async function countReplayed(subscription) {
  const before = await events.statsBefore;
  events.statsBefore = null;
  const after = await replayedCounter();
  if (subscription !== events.subscription) return;
  const received = events.sinceReopen ?? [];
  events.sinceReopen = null;
  if (before === null || before === undefined || after === null) return;
  const count = Math.max(0, after - before);
  events.replayed += count;
  view.replayed.textContent = String(events.replayed);
  // The first `count` events received since the stream came back are the replayed ones.
  for (const entry of received.slice(0, count)) markReplayed(entry);
  events.toMark = Math.max(0, count - received.length);
}

function markReplayed(entry) {
  entry.classList.add('replayed');
  entry.dataset.replayed = 'true';
  const badge = document.createElement('span');
  badge.className = 'badge';
  badge.textContent = 'replayed';
  entry.querySelector('.meta').append(badge);
}

function logEntry(name, id, data, { reset, duplicate, kind }) {
  const entry = document.createElement('li');
  entry.className = 'entry';
  if (reset) entry.classList.add('reset');
  if (duplicate) entry.classList.add('duplicate');
  entry.dataset.event = name;
  entry.dataset.id = id;
  entry.dataset.kind = kind;
  const meta = document.createElement('div');
  meta.className = 'meta';
  const nameSpan = document.createElement('span');
  nameSpan.className = 'name';
  nameSpan.textContent = name;
  const idSpan = document.createElement('span');
  idSpan.className = 'id';
  idSpan.textContent = id === '' ? 'no id' : `id ${id}`;
  const kindSpan = document.createElement('span');
  kindSpan.className = 'kind';
  kindSpan.textContent = kind;
  const time = document.createElement('time');
  time.textContent = new Date().toLocaleTimeString();
  meta.append(nameSpan, idSpan, kindSpan, time);
  if (reset) {
    const note = document.createElement('span');
    note.className = 'badge';
    note.textContent = 'cannot replay: reload your state';
    meta.append(note);
  }
  if (duplicate) {
    const note = document.createElement('span');
    note.className = 'badge';
    note.textContent = 'duplicate id';
    meta.append(note);
  }
  const pre = document.createElement('pre');
  pre.className = 'data';
  pre.textContent = data;
  entry.append(meta, pre);
  view.log.prepend(entry);
  while (view.log.childElementCount > LOG_LIMIT) view.log.lastElementChild.remove();
  return entry;
}

// ---- topics ----

function renderTopics() {
  view.topicList.replaceChildren();
  for (const topic of [...events.knownTopics].sort()) {
    const label = document.createElement('label');
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.value = topic;
    box.checked = events.topics.includes(topic);
    box.addEventListener('change', () => {
      const chosen = [...view.topicList.querySelectorAll('input:checked')].map((input) => input.value);
      if (chosen.length === 0) {
        box.checked = true;
        return;
      }
      switchTopics(chosen);
    });
    label.append(box, ` ${topic}`);
    view.topicList.append(label);
  }
}

function switchTopics(topics) {
  events.topics = topics;
  events.subscription?.close();
  openEvents();
  renderTopics();
}

$('topics-form').addEventListener('submit', (submit) => {
  submit.preventDefault();
  const input = $('new-topic');
  const topic = input.value.trim();
  if (topic === '') return;
  input.value = '';
  events.knownTopics.add(topic);
  switchTopics([...new Set([...events.topics, topic])]);
});

// ---- publish ----

$('publish-form').addEventListener('submit', (submit) => {
  submit.preventDefault();
  void publish();
});

async function publish() {
  const output = $('pub-result');
  const name = $('pub-event').value.trim();
  const topic = $('pub-topic').value.trim() || 'default';
  const text = $('pub-data').value;
  let data = text;
  if ($('pub-json').checked) {
    try {
      data = JSON.parse(text);
    } catch (error) {
      output.textContent = `not JSON: ${error.message}`;
      return;
    }
  }
  const body = { topic, data };
  if (name !== '') body.event = name;
  output.textContent = 'publishing…';
  try {
    const response = await fetch('/publish', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = await response.json();
    output.textContent =
      response.status === 202
        ? `published id ${answer.id}, delivered to ${answer.delivered} stream(s)`
        : `${response.status}: ${answer.error}`;
  } catch (error) {
    output.textContent = `failed: ${error.message}`;
  }
}

// ---- the demo's disconnect button ----

$('disconnect').addEventListener('click', async () => {
  const output = $('disconnect-result');
  try {
    const response = await fetch('/demo/disconnect', { method: 'POST' });
    const answer = await response.json();
    output.textContent = response.ok ? `the server ended ${answer.closed} stream(s)` : `${response.status}`;
  } catch (error) {
    output.textContent = `failed: ${error.message}`;
  }
});

// ---- /ticks, with the browser's own EventSource ----

function openTicks() {
  const source = new EventSource('/ticks');
  ticks.source = source;
  source.addEventListener('open', () => {
    setState(view.tickState, 'open');
    if (ticks.opened) {
      ticks.reconnects++;
      view.tickReconnects.textContent = String(ticks.reconnects);
    }
    ticks.opened = true;
  });
  source.addEventListener('error', () => {
    const state = source.readyState === EventSource.CLOSED ? 'closed' : ticks.opened ? 'reconnecting' : 'connecting';
    setState(view.tickState, state);
  });
  source.addEventListener('message', (message) => {
    ticks.count++;
    countRate('ticks');
    view.tickCount.textContent = String(ticks.count);
    view.tickLatest.textContent = message.data;
    const item = document.createElement('li');
    item.dataset.id = message.lastEventId;
    item.textContent = message.data;
    view.ticks.prepend(item);
    while (view.ticks.childElementCount > TICK_LIMIT) view.ticks.lastElementChild.remove();
  });
}

// ---- events per second ----

function advanceRate() {
  const now = Math.floor(Date.now() / 1000);
  while (rate.second < now) {
    rate.second++;
    rate.events.push(0);
    rate.ticks.push(0);
  }
  while (rate.events.length > RATE_SECONDS) rate.events.shift();
  while (rate.ticks.length > RATE_SECONDS) rate.ticks.shift();
}

function countRate(stream) {
  advanceRate();
  rate[stream][rate[stream].length - 1]++;
}

function drawRate() {
  advanceRate();
  const canvas = view.rate;
  const scale = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  if (canvas.width !== Math.round(width * scale)) canvas.width = Math.round(width * scale);
  if (canvas.height !== Math.round(height * scale)) canvas.height = Math.round(height * scale);
  const context = canvas.getContext('2d');
  context.setTransform(scale, 0, 0, scale, 0, 0);
  context.clearRect(0, 0, width, height);
  const style = getComputedStyle(document.documentElement);
  const totals = rate.events.map((count, i) => count + (rate.ticks[i] ?? 0));
  const peak = Math.max(4, ...totals);
  const top = 16;
  const bottom = height - 14;
  const slot = width / RATE_SECONDS;
  const offset = RATE_SECONDS - totals.length;
  context.strokeStyle = style.getPropertyValue('--grid');
  context.fillStyle = style.getPropertyValue('--muted');
  context.font = '11px system-ui, sans-serif';
  context.beginPath();
  context.moveTo(0, bottom + 0.5);
  context.lineTo(width, bottom + 0.5);
  context.stroke();
  context.fillText(`${peak}/s`, 4, 11);
  context.fillText('60 s ago', 4, height - 2);
  context.fillText('now', width - 24, height - 2);
  totals.forEach((_, i) => {
    const x = (offset + i) * slot + 1;
    const ticksHeight = ((rate.ticks[i] ?? 0) / peak) * (bottom - top);
    const eventsHeight = ((rate.events[i] ?? 0) / peak) * (bottom - top);
    context.fillStyle = style.getPropertyValue('--ticks');
    context.fillRect(x, bottom - ticksHeight, slot - 2, ticksHeight);
    context.fillStyle = style.getPropertyValue('--events');
    context.fillRect(x, bottom - ticksHeight - eventsHeight, slot - 2, eventsHeight);
  });
}

renderTopics();
openEvents();
openTicks();
drawRate();
setInterval(drawRate, 500);
