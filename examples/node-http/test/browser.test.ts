import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CHROMIUM_ARGS, chromiumPath, publish, startDemo } from '@ssekit/testkit';
import type { RunningDemo } from '@ssekit/testkit';
import { chromium } from 'playwright-core';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GateProxy } from './gate-proxy.js';

const WAIT_MS = 10_000;

interface Entry {
  event: string;
  id: string;
  data: string;
  replayed: boolean;
  duplicate: boolean;
}

/** The page's event log, oldest first, as the page shows it. */
function entries(page: Page): Promise<Entry[]> {
  return page.$$eval('#log .entry', (items) =>
    items
      .map((item) => ({
        event: (item as HTMLElement).dataset.event ?? '',
        id: (item as HTMLElement).dataset.id ?? '',
        data: item.querySelector('pre')?.textContent ?? '',
        replayed: (item as HTMLElement).dataset.replayed === 'true',
        duplicate: item.classList.contains('duplicate'),
      }))
      .reverse(),
  );
}

function text(page: Page, selector: string): Promise<string> {
  return page.$eval(selector, (element) => element.textContent);
}

async function waitForText(page: Page, selector: string, expected: string): Promise<void> {
  await page.waitForFunction(
    ([sel, value]) => document.querySelector(sel)?.textContent === value,
    [selector, expected] as const,
    { timeout: WAIT_MS },
  );
}

async function waitForEntries(page: Page, count: number): Promise<Entry[]> {
  await page.waitForFunction((n) => document.querySelectorAll('#log .entry').length >= n, count, {
    timeout: WAIT_MS,
  });
  return entries(page);
}

async function publishThroughForm(page: Page, fields: { event: string; data: string; json: boolean }): Promise<void> {
  const previous = await text(page, '#pub-result');
  await page.fill('#pub-event', fields.event);
  await page.fill('#pub-topic', 'default');
  await page.fill('#pub-data', fields.data);
  await page.setChecked('#pub-json', fields.json);
  await page.click('#publish-form button[type="submit"]');
  // Each answer names a new id, so a changed text is this publish's answer.
  await page.waitForFunction(
    (before) => {
      const now = document.querySelector('#pub-result')?.textContent ?? '';
      return now !== before && now.startsWith('published id');
    },
    previous,
    { timeout: WAIT_MS },
  );
}

async function publishOk(url: string, body: Record<string, unknown>): Promise<{ id: string; delivered: number }> {
  const answer = await publish(url, body);
  expect(answer.status, answer.text).toBe(202);
  return answer.json as { id: string; delivered: number };
}

describe('the live demo page in Chromium (examples/node-http, GET /)', () => {
  let demo: RunningDemo | undefined;
  // The page is loaded through it, so the test sees what the browser sends and when.
  let proxy: GateProxy | undefined;
  let url = '';
  let profile: string | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    demo = await startDemo('node-http', { RETRY_MS: '250', TICK_MS: '200', HEARTBEAT_MS: '1000' });
    url = demo.url;
    const gate = await GateProxy.start(demo.port);
    proxy = gate;
    profile = await mkdtemp(path.join(os.tmpdir(), 'ssekit-chromium-profile-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath(),
      headless: true,
      args: [...CHROMIUM_ARGS],
      viewport: { width: 1280, height: 1000 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => pageErrors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') pageErrors.push(message.text());
    });
    await page.goto(`${gate.url}/`);
    await waitForText(page, '#state', 'open');
  });

  // Whatever beforeAll got to, and no further.
  afterAll(async () => {
    await context?.close();
    if (profile !== undefined) await rm(profile, { recursive: true, force: true });
    await proxy?.close();
    await demo?.stop();
  });

  it('shows the tick stream', async () => {
    await page.waitForFunction(() => Number(document.querySelector('#tick-count')?.textContent) >= 3, undefined, {
      timeout: WAIT_MS,
    });
    const ticks = await page.$$eval('#ticks li', (items) => items.map((item) => item.textContent).reverse());
    const first = Number(/^tick (\d+)$/.exec(ticks[0] ?? '')?.[1]);
    expect(ticks).toEqual(ticks.map((_, i) => `tick ${first + i}`));
    expect(await text(page, '#tick-state')).toBe('open');
  });

  it('shows an event published through its form byte for byte: multi-line, unicode, U+2028', async () => {
    const data = 'line one\nline two ✓ 😀\u2028after a line separator\n\n  indented, after a blank line';
    await publishThroughForm(page, { event: 'note', data, json: false });
    const [note] = await waitForEntries(page, 1);
    expect(note).toEqual({ event: 'note', id: await text(page, '#last-id'), data, replayed: false, duplicate: false });
    expect(await text(page, '#pub-result')).toBe(`published id ${note?.id ?? ''}, delivered to 1 stream(s)`);
  });

  it('shows unnamed events and JSON payloads exactly as sent', async () => {
    await publishThroughForm(page, { event: '', data: 'plain message', json: false });
    const json = '{ "price": 12.5, "tags": ["a", "b"], "note": "naïve ✓", "html": "<b>not bold</b>" }';
    await publishThroughForm(page, { event: 'price', data: json, json: true });
    const log = await waitForEntries(page, 3);
    expect(log.slice(1).map(({ event, data }) => ({ event, data }))).toEqual([
      { event: 'message', data: 'plain message' },
      { event: 'price', data: '{"price":12.5,"tags":["a","b"],"note":"naïve ✓","html":"<b>not bold</b>"}' },
    ]);
    // Markup in data is text, never HTML.
    expect(await page.$$eval('#log pre b', (bold) => bold.length)).toBe(0);
  });

  it('reconnects on its own after the server ends the stream, sends Last-Event-ID and shows the missed events once', async () => {
    const before = await entries(page);
    const lastSeen = await text(page, '#last-id');
    const ticksBefore = Number(await text(page, '#tick-count'));
    const held = proxy!.holdNextEventsRequest();

    await page.click('#disconnect');
    const resumeHeaders = await held.headers;
    await waitForText(page, '#state', 'reconnecting');
    expect(resumeHeaders['last-event-id']).toBe(lastSeen);

    // The page is disconnected: nothing is delivered live, everything must come from the replay.
    const missed = [
      { event: undefined, data: 'missed one' },
      { event: 'note', data: 'missed two\nsecond line ✓' },
      { event: 'price', data: { price: 13, note: 'missed three' } },
    ];
    const ids: string[] = [];
    for (const body of missed) {
      const result = await publishOk(url, { topic: 'default', ...body });
      expect(result.delivered).toBe(0);
      ids.push(result.id);
    }
    held.release();
    await waitForText(page, '#state', 'open');
    await waitForText(page, '#replayed', '3');

    const live = await publishOk(url, { topic: 'default', event: 'note', data: 'live again' });
    expect(live.delivered).toBe(1);
    const after = await waitForEntries(page, before.length + 4);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.slice(before.length)).toEqual([
      { event: 'message', id: ids[0], data: 'missed one', replayed: true, duplicate: false },
      { event: 'note', id: ids[1], data: 'missed two\nsecond line ✓', replayed: true, duplicate: false },
      { event: 'price', id: ids[2], data: '{"price":13,"note":"missed three"}', replayed: true, duplicate: false },
      { event: 'note', id: live.id, data: 'live again', replayed: false, duplicate: false },
    ]);
    expect(new Set(after.map((entry) => entry.id)).size).toBe(after.length);
    expect(await text(page, '#reconnects')).toBe('1');
    expect(await text(page, '#last-id')).toBe(live.id);

    // The tick stream was ended too: it came back by itself and counts on without a repeat.
    await waitForText(page, '#tick-reconnects', '1');
    await page.waitForFunction(
      (n) => Number(document.querySelector('#tick-count')?.textContent) >= n + 3,
      ticksBefore,
      {
        timeout: WAIT_MS,
      },
    );
    const tickIds = await page.$$eval('#ticks li', (items) => items.map((item) => Number(item.dataset.id)).reverse());
    expect(tickIds).toEqual(tickIds.map((_, i) => (tickIds[0] ?? 0) + i));
  });

  it('shows the reserved ssekit-reset event when its Last-Event-ID cannot be replayed', async () => {
    const before = await entries(page);
    // An id this server never issued, as after a restart of an in-memory store.
    const held = proxy!.holdNextEventsRequest({ 'last-event-id': '42' });
    await page.click('#disconnect');
    await held.headers;
    held.release();
    const after = await waitForEntries(page, before.length + 1);
    expect(after.slice(before.length)).toEqual([
      {
        event: 'ssekit-reset',
        id: '',
        data: '{"reason":"unknown","lastEventId":"42"}',
        replayed: false,
        duplicate: false,
      },
    ]);
    expect(await page.$eval('#log .entry.reset .badge', (badge) => badge.textContent)).toBe(
      'cannot replay: reload your state',
    );
    expect(await text(page, '#reconnects')).toBe('2');
    expect(await text(page, '#replayed')).toBe('3');
    expect(await text(page, '#last-id')).toBe(before.at(-1)?.id);
  });

  it('switches topics: the selector reconnects the stream on the chosen topics', async () => {
    await page.fill('#new-topic', 'prices');
    await page.click('#topics-form button[type="submit"]');
    await waitForText(page, '#current-topics', 'default, prices');
    await waitForText(page, '#state', 'open');
    const result = await publishOk(url, { topic: 'prices', event: 'price', data: 'on the new topic' });
    expect(result.delivered).toBe(1);
    await page.waitForFunction((id) => document.querySelector(`#log .entry[data-id="${id}"]`) !== null, result.id, {
      timeout: WAIT_MS,
    });
    expect(pageErrors).toEqual([]);
  });

  it('decodes typed events with @ssekit/client, and resumes exactly after POST /demo/disconnect', async () => {
    // What the client decoded each event's data into, oldest first.
    const kinds = (): Promise<string[]> =>
      page.$$eval('#log .entry', (items) => items.map((item) => (item as HTMLElement).dataset.kind ?? '').reverse());
    // The reset shown earlier arrived as the client's typed event, its reason read from `data`.
    expect(await page.$eval('#log .entry.reset', (entry) => (entry as HTMLElement).dataset.reason)).toBe('unknown');

    const before = await entries(page);
    const reconnects = Number(await text(page, '#reconnects'));
    const replayed = Number(await text(page, '#replayed'));
    const object = await publishOk(url, { topic: 'default', event: 'price', data: { symbol: 'ACME', value: 42.5 } });
    const number = await publishOk(url, { topic: 'prices', event: 'price', data: 7 });
    const note = await publishOk(url, { topic: 'default', event: 'note', data: 'not JSON: {' });
    await waitForEntries(page, before.length + 3);
    expect((await kinds()).slice(before.length)).toEqual(['object', 'number', 'string']);

    const held = proxy!.holdNextEventsRequest();
    await page.click('#disconnect');
    expect((await held.headers)['last-event-id']).toBe(note.id);
    const missed = [
      await publishOk(url, { topic: 'prices', event: 'price', data: { symbol: 'ACME', value: 43 } }),
      await publishOk(url, { topic: 'default', data: 'missed while away' }),
    ];
    expect(missed.map((result) => result.delivered)).toEqual([0, 0]);
    held.release();
    await waitForText(page, '#replayed', String(replayed + 2));
    const after = await waitForEntries(page, before.length + 5);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.slice(before.length)).toEqual([
      { event: 'price', id: object.id, data: '{"symbol":"ACME","value":42.5}', replayed: false, duplicate: false },
      { event: 'price', id: number.id, data: '7', replayed: false, duplicate: false },
      { event: 'note', id: note.id, data: 'not JSON: {', replayed: false, duplicate: false },
      { event: 'price', id: missed[0]?.id, data: '{"symbol":"ACME","value":43}', replayed: true, duplicate: false },
      { event: 'message', id: missed[1]?.id, data: 'missed while away', replayed: true, duplicate: false },
    ]);
    expect((await kinds()).slice(before.length)).toEqual(['object', 'number', 'string', 'object', 'string']);
    expect(await text(page, '#reconnects')).toBe(String(reconnects + 1));
    expect(await text(page, '#state')).toBe('open');
    expect(pageErrors).toEqual([]);
  });

  it('writes a screenshot for inspection', async () => {
    // Let the chart show a few seconds of traffic.
    for (let i = 0; i < 5; i++) await publishOk(url, { topic: 'default', data: `burst ${i}` });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ssekit-demo-screenshot-'));
    const file = path.join(dir, 'demo-page.png');
    await page.screenshot({ path: file, fullPage: true });
    console.log(`demo page screenshot: ${file}`);
    const png = await readFile(file);
    expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  });
});
