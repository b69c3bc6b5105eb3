import { CHROMIUM_ARGS, chromiumPath, startDemo } from '@ssekit/testkit';
import type { RunningDemo } from '@ssekit/testkit';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CountingProxy } from './support/counting-proxy.js';
import { answerText, eventsUrl, readToEnd, startRun } from './support/runs.js';

const WAIT_MS = 15_000;
const RETRY_MS = 200;

describe('examples/resumable-run in Chromium', () => {
  let demo: RunningDemo | undefined;
  // The browser goes through it, so the test counts the requests that reach the server.
  let proxy: CountingProxy | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    demo = await startDemo('resumable-run', { TOKEN_MS: '30', RETRY_MS: String(RETRY_MS), HEARTBEAT_MS: '0' });
    const gate = await CountingProxy.start(demo.port);
    proxy = gate;
    browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: [...CHROMIUM_ARGS] });
    context = await browser.newContext();
  });

  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    await demo?.stop();
  });

  async function newPage(path: string): Promise<Page> {
    const page = await context.newPage();
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(`${proxy!.url}${path}`);
    return page;
  }

  it('an EventSource on a completed run stops reconnecting after the end: one stream, one reconnect answered 204, then nothing', async () => {
    const id = await startRun(demo!.url, { words: 12, seed: 2 });
    const whole = await readToEnd(eventsUrl(demo!.url, id, '?from=start'));
    const path = `/runs/${id}/events`;
    const page = await newPage('/');
    // The whole run, then the end: the stream, the reconnect with the final id, and nothing more.
    const seen = await page.evaluate(
      async ({ url, waitMs }) => {
        const source = new EventSource(url);
        const events: { type: string; id: string }[] = [];
        for (const type of ['start', 'token', 'done', 'failed', 'message']) {
          source.addEventListener(type, (event) => events.push({ type, id: event.lastEventId }));
        }
        let errors = 0;
        source.addEventListener('error', () => errors++);
        await new Promise((resolve) => setTimeout(resolve, waitMs));
        return { events, errors, readyState: source.readyState };
      },
      { url: `${path}?from=start`, waitMs: 3000 },
    );
    expect(seen.events).toEqual(whole.map((event) => ({ type: event.event, id: event.id })));
    // CLOSED: it gave up for good, as the spec makes it on a 204.
    expect(seen.readyState).toBe(2);
    const requests = proxy!.requestsFor(path).filter((request) => request.url.includes('from=start'));
    expect(requests.map(({ lastEventId, status }) => ({ lastEventId, status }))).toEqual([
      { lastEventId: undefined, status: 200 },
      { lastEventId: whole.at(-1)?.id, status: 204 },
    ]);
    // The reconnect came after the server's retry hint, not at once.
    expect((requests[1]?.at ?? 0) - (requests[0]?.at ?? 0)).toBeGreaterThanOrEqual(RETRY_MS - 50);

    // One that comes after the end with no resume point gets the 204 at once, and never comes back.
    const late = await page.evaluate(async (url) => {
      const source = new EventSource(url);
      let messages = 0;
      source.addEventListener('token', () => messages++);
      await new Promise((resolve) => setTimeout(resolve, 1500));
      return { messages, readyState: source.readyState };
    }, path);
    expect(late).toEqual({ messages: 0, readyState: 2 });
    expect(proxy!.requestsFor(path).filter((request) => !request.url.includes('from=start'))).toMatchObject([
      { lastEventId: undefined, status: 204 },
    ]);
    await page.close();
  });

  it('the page: a reload mid-answer continues the text exactly where it was, and a finished answer loads whole', async () => {
    const page = await newPage('/');
    await page.fill('#prompt', 'why do streams end?');
    await page.click('#ask button[type="submit"]');
    await page.waitForFunction(() => document.querySelector('#state')?.textContent === 'streaming', undefined, {
      timeout: WAIT_MS,
    });
    const id = new URL(page.url()).searchParams.get('run') ?? '';
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const path = `/runs/${id}/events`;
    // Some words in, reload.
    await page.waitForFunction(
      () => (document.querySelector('#answer')?.textContent ?? '').split(' ').length >= 10,
      undefined,
      {
        timeout: WAIT_MS,
      },
    );
    const beforeReload = (await page.textContent('#answer')) ?? '';
    const requestsBefore = proxy!.requestsFor(path).length;
    await page.reload();
    await page.waitForFunction(() => document.querySelector('#state')?.textContent === 'done', undefined, {
      timeout: WAIT_MS,
    });
    const whole = await readToEnd(eventsUrl(demo!.url, id, '?from=start'));
    const text = answerText(whole);
    expect(await page.textContent('#question')).toBe('why do streams end?');
    expect(await page.textContent('#answer')).toBe(text);
    // It was mid-answer, and the page went on from its last event: only the rest was sent again.
    const resumed = proxy!.requestsFor(path)[requestsBefore];
    expect(resumed?.lastEventId).toBeDefined();
    const resumedAt = whole.findIndex((event) => event.id === resumed?.lastEventId);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThan(whole.length - 1);
    expect(text.startsWith(beforeReload)).toBe(true);
    expect(text.length).toBeGreaterThan(beforeReload.length);

    // Reloaded once the answer is done: the text is whole, and the server sent nothing again (204).
    const requestsDone = proxy!.requestsFor(path).length;
    await page.reload();
    await page.waitForFunction(() => document.querySelector('#state')?.textContent === 'done', undefined, {
      timeout: WAIT_MS,
    });
    expect(await page.textContent('#answer')).toBe(text);
    expect(proxy!.requestsFor(path).slice(requestsDone)).toMatchObject([
      { lastEventId: whole.at(-1)?.id, status: 204 },
    ]);

    // In a tab that never saw it (a shared link), the finished answer loads whole from the start.
    const other = await newPage(`/?run=${id}`);
    await other.waitForFunction(() => document.querySelector('#state')?.textContent === 'done', undefined, {
      timeout: WAIT_MS,
    });
    expect(await other.textContent('#question')).toBe('why do streams end?');
    expect(await other.textContent('#answer')).toBe(text);
    await other.close();
    await page.close();
    expect(pageErrors).toEqual([]);
  });

  it('the page says so when a run is unknown or expired', async () => {
    const page = await newPage('/?run=0b0e5c4e-0000-4000-8000-000000000000');
    await page.waitForFunction(() => document.querySelector('#state')?.textContent === 'gone', undefined, {
      timeout: WAIT_MS,
    });
    expect(await page.textContent('#note')).toContain('404');
    await page.close();
  });
});
