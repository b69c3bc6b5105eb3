import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHub } from '@ssekit/core';
import type { Subscription as HubStream } from '@ssekit/core';
import { createSseHandler, sendError } from '@ssekit/node';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageEvents, PageState } from './browser/page.js';
import { browserBundle } from './support/bundle.js';
import { sleep, until } from './support/servers.js';

// Debian's Chromium, never a downloaded browser; scripts/system-deps.sh installs it.
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];
const WAIT_MS = 10_000;

describe('@ssekit/client in Chromium (the page bundle, a real hub)', () => {
  const hub = createHub<PageEvents>({ retry: 50, heartbeatMs: 1000 });
  const events = createSseHandler({ hub });
  const streams: { stream: HubStream<PageEvents>; res: http.ServerResponse; authorization: string }[] = [];
  const lastEventIds: (string | undefined)[] = [];
  let server: http.Server | undefined;
  let browser: Browser | undefined;
  let page: Page;
  let base = '';
  const pageErrors: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `ssekit: the browser test drives Debian's Chromium at ${CHROMIUM}, which is missing. ` +
          'Install it with `apt-get install -y chromium` (or run `bash scripts/system-deps.sh`) and run the tests again.',
      );
    }
    const { code } = await browserBundle('test/browser/page.ts');
    server = http.createServer((req, res) => {
      if (req.url === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(
          '<!doctype html><meta charset="utf-8"><title>client</title><script type="module" src="/page.js"></script>',
        );
      } else if (req.url === '/page.js') {
        res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' });
        res.end(code);
      } else if (req.url?.startsWith('/events')) {
        lastEventIds.push(req.headers['last-event-id'] as string | undefined);
        events.start(req, res).then(
          (stream) => {
            if (stream !== undefined) streams.push({ stream, res, authorization: req.headers.authorization ?? '' });
          },
          (err: unknown) => {
            sendError(res, err);
          },
        );
      } else {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    page = await browser.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${base}/`);
    await page.waitForFunction(() => 'page' in window, undefined, { timeout: WAIT_MS });
  });

  afterAll(async () => {
    await browser?.close();
    await hub.close();
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  });

  const received = (): Promise<PageState['received']> =>
    page.evaluate(() => (window as unknown as { page: PageState }).page.received);

  async function waitForReceived(count: number): Promise<PageState['received']> {
    await page.waitForFunction((n) => (window as unknown as { page: PageState }).page.received.length >= n, count, {
      timeout: WAIT_MS,
    });
    return received();
  }

  it('receives typed events, decoded, with the header its function gave', async () => {
    await page.evaluate(
      (url) => (window as unknown as { page: PageState }).page.start(url, 'tok'),
      `${base}/events?topic=t`,
    );
    await until(() => hub.stats().connections === 1, 'the stream', WAIT_MS);
    const price = await hub.publish('t', { event: 'price', data: { symbol: 'ACME', value: 42.5 } });
    const note = await hub.publish('t', { event: 'note', data: 'two\nlines ✓ 😀' });
    expect(await waitForReceived(2)).toEqual([
      { type: 'price', id: price.id, data: 42.5, dataType: 'number' },
      { type: 'note', id: note.id, data: 'two\nlines ✓ 😀', dataType: 'string' },
    ]);
    expect(streams[0]?.authorization).toBe('Bearer tok-1');
    expect(lastEventIds).toEqual([undefined]);
  });

  it('resumes exactly after the server ends and then drops the stream while events are published', async () => {
    const before = (await received()).length;
    const ids: string[] = [];
    const total = 120;
    for (let n = 0; n < total; n++) {
      ids.push((await hub.publish('t', { event: 'note', data: `run ${n}` })).id);
      if (n === 30) await streams.at(-1)!.stream.close();
      if (n === 70) {
        await until(() => streams.length === 2 && hub.stats().connections === 1, 'the first resume', WAIT_MS);
        streams[1]!.res.destroy();
      }
      if (n % 10 === 0) await sleep(5);
    }
    const all = await waitForReceived(before + total);
    await sleep(100);
    expect((await received()).length).toBe(before + total);
    expect(all.slice(before)).toEqual(ids.map((id, n) => ({ type: 'note', id, data: `run ${n}`, dataType: 'string' })));
    expect(streams).toHaveLength(3);
    // Each reconnect resumed from the last event the page had, with a fresh header.
    expect(lastEventIds.slice(1).every((id) => id !== undefined && ids.includes(id))).toBe(true);
    expect(streams.map((entry) => entry.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-2', 'Bearer tok-3']);
    const state = await page.evaluate(() => (window as unknown as { page: PageState }).page);
    expect(state.errors).toEqual(['network']);
    expect(state.states).toEqual(['open', 'retrying', 'connecting', 'open', 'retrying', 'connecting', 'open']);
  });

  it('close() in the page releases the connection: the hub counts 0', async () => {
    await page.evaluate(() => {
      (window as unknown as { page: PageState }).page.close();
    });
    await until(() => hub.stats().connections === 0, 'no stream', WAIT_MS);
    expect(pageErrors).toEqual([]);
  });
});
