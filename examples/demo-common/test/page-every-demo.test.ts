import {
  CHROMIUM_ARGS,
  chosenDemos,
  chromiumPath,
  eventually,
  publish,
  startDemo,
  startStreamProxy,
  stats,
} from '@ssekit/testkit';
import type { DropMode, ProxyPage, RunningDemo, StreamProxy } from '@ssekit/testkit';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { servePage } from '../src/page.js';

// The live page's `@ssekit/client` bundle in Chromium against every demo. node-http and Fastify
// serve the page themselves; here a proxy in front of each demo serves it, so the page reaches
// the demo from its own origin, and the proxy can end, cut or reset the demo's streams as a
// network or server would.

const WAIT_MS = 10_000;
const PAGE_ENV = { RETRY_MS: '100', HEARTBEAT_MS: '1000', TICK_MS: '500', REPLAY_SIZE: '100' };

interface Entry {
  event: string;
  id: string;
  kind: string;
  data: string;
  duplicate: boolean;
}

/** The page's event log, oldest first. */
function entries(page: Page): Promise<Entry[]> {
  return page.$$eval('#log .entry', (items) =>
    items
      .map((item) => ({
        event: (item as HTMLElement).dataset.event ?? '',
        id: (item as HTMLElement).dataset.id ?? '',
        kind: (item as HTMLElement).dataset.kind ?? '',
        data: item.querySelector('pre')?.textContent ?? '',
        duplicate: item.classList.contains('duplicate'),
      }))
      .reverse(),
  );
}

async function waitForEntries(page: Page, count: number): Promise<Entry[]> {
  await page.waitForFunction((n) => document.querySelectorAll('#log .entry').length >= n, count, {
    timeout: WAIT_MS,
  });
  return entries(page);
}

async function publishOk(url: string, body: Record<string, unknown>): Promise<string> {
  const answer = await publish(url, body);
  expect(answer.status, answer.text).toBe(202);
  return (answer.json as { id: string }).id;
}

function pageFiles(): Record<string, ProxyPage> {
  const files: Record<string, ProxyPage> = {};
  for (const path of ['/', '/app.js', '/style.css']) {
    const file = servePage(path);
    if (file === undefined) throw new Error(`the demo page has no ${path}`);
    files[path] = { type: file.type, body: file.body };
  }
  return files;
}

let browser: Browser | undefined;

beforeAll(async () => {
  browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: [...CHROMIUM_ARGS] });
});

afterAll(async () => {
  await browser?.close();
});

for (const name of chosenDemos()) {
  describe(`the live page's @ssekit/client in Chromium: examples/${name}`, () => {
    let demo: RunningDemo | undefined;
    let proxy: StreamProxy | undefined;
    let page: Page | undefined;
    let url = '';
    const pageErrors: string[] = [];

    beforeAll(async () => {
      demo = await startDemo(name, PAGE_ENV);
      url = demo.url;
      proxy = await startStreamProxy(url, pageFiles());
      page = await browser!.newPage();
      page.on('pageerror', (error) => pageErrors.push(error.message));
      page.on('console', (message) => {
        // The browser's own line for each stream the proxy cuts or resets is expected; nothing else.
        if (message.type() === 'error' && !message.text().startsWith('Failed to load resource: net::ERR_')) {
          pageErrors.push(message.text());
        }
      });
      await page.goto(`${proxy.url}/`);
      await page.waitForFunction(() => document.querySelector('#state')?.textContent === 'open', undefined, {
        timeout: WAIT_MS,
      });
    });

    // Whatever beforeAll got to, and no further.
    afterAll(async () => {
      await page?.close();
      await proxy?.close();
      await demo?.stop();
    });

    it('shows typed events as the client decoded them: an object, a number, a string', async () => {
      const before = (await entries(page!)).length;
      const ids = [
        await publishOk(url, { topic: 'default', event: 'price', data: { symbol: 'ACME', value: 42.5 } }),
        await publishOk(url, { topic: 'default', event: 'price', data: 7 }),
        await publishOk(url, { topic: 'default', event: 'note', data: 'two\nlines ✓ 😀' }),
      ];
      const shown = (await waitForEntries(page!, before + 3)).slice(before);
      expect(shown).toEqual([
        { event: 'price', id: ids[0], kind: 'object', data: '{"symbol":"ACME","value":42.5}', duplicate: false },
        { event: 'price', id: ids[1], kind: 'number', data: '7', duplicate: false },
        { event: 'note', id: ids[2], kind: 'string', data: 'two\nlines ✓ 😀', duplicate: false },
      ]);
      expect(pageErrors).toEqual([]);
    });

    it('resumes exactly after its stream ends, is cut mid-event, or is reset, while events are published', async () => {
      const before = (await entries(page!)).length;
      const streamsBefore = proxy!.requests.filter((request) => request.url.startsWith('/events')).length;
      const drops: DropMode[] = ['end', 'split', 'reset'];
      const every = 8;
      const ids: string[] = [];
      for (let n = 0; n < every * (drops.length + 1); n++) {
        const k = n / every;
        if (n > 0 && Number.isInteger(k)) {
          // Dropped once the page shows everything so far: it must resume from there.
          await waitForEntries(page!, before + n);
          proxy!.drop(drops[k - 1]!);
        }
        ids.push(await publishOk(url, { topic: 'default', event: 'note', data: `run ${n}` }));
      }
      const shown = (await waitForEntries(page!, before + ids.length)).slice(before);
      expect(shown).toEqual(
        ids.map((id, n) => ({ event: 'note', id, kind: 'string', data: `run ${n}`, duplicate: false })),
      );
      // One reconnection per drop, each from an event the page had whole.
      const resumes = proxy!.requests.filter((request) => request.url.startsWith('/events')).slice(streamsBefore);
      expect(resumes).toHaveLength(drops.length);
      for (const [k, request] of resumes.entries()) {
        const from = ids.indexOf(String(request.headers['last-event-id']));
        expect(from, `resume ${k + 1} from a published id`).toBeGreaterThanOrEqual((k + 1) * every - 1);
        expect(from).toBeLessThan((k + 2) * every);
      }
      // Let anything late arrive: nothing more may show.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect((await entries(page!)).length).toBe(before + ids.length);
      expect(pageErrors).toEqual([]);
    });

    it('releases its streams on the demo when the page closes', async () => {
      // The page's event stream and tick stream; those the proxy dropped are gone.
      await eventually(async () => (await stats(url)).connections === 2, 'the page alone on the demo');
      await page!.close();
      page = undefined;
      await eventually(async () => (await stats(url)).connections === 0, 'the demo counts no stream');
    });
  });
}
