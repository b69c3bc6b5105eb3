import type { Subscription } from '@ssekit/client';
import { afterAll, afterEach, beforeAll, describe, expect } from 'vitest';
import { startDemo } from './demo.js';
import type { RunningDemo } from './demo.js';
import { eventually, publish, stats } from './http.js';
import { startStreamProxy } from './stream-proxy.js';
import type { StreamProxy } from './stream-proxy.js';
import { defineConnectionCapClientTests } from './client-suite/connection-cap.js';
import { defineFiniteRunClientTests } from './client-suite/finite-run.js';
import { CLIENT_ENV } from './client-suite/harness.js';
import type { ClientSuite, DemoEvents, Published } from './client-suite/harness.js';
import { defineInactivityClientTests } from './client-suite/inactivity.js';
import { defineReleaseClientTests } from './client-suite/release.js';
import { defineResumeClientTests } from './client-suite/resume.js';
import { defineTypedEventsClientTests } from './client-suite/typed-events.js';

export { CLIENT_ENV } from './client-suite/harness.js';

/**
 * The `@ssekit/client` suite: `subscribe` in Node (global `fetch`) against `examples/<name>`
 * over real sockets, with a proxy in the test process where the test must end, break or stall
 * the demo's streams. It checks what the client promises against a real server: typed and
 * decoded events, request headers on every connection, an exact resume after the server's
 * `retry:` whatever way a stream is dropped, the typed `ssekit-reset`, the end of a finite run,
 * the retry answer over the connection cap, a reconnect after silence, and connections released
 * by `close()` and by an aborted signal.
 *
 * Not here, because no demo answers them: a `401` (the demos have no auth) and a `503` with
 * `Retry-After` (a demo's only 503, a Redis outage, carries none). `subscribe-reconnection.test.ts` in
 * `@ssekit/client` covers both against hand-written servers.
 * @param name - the example's folder under `examples/`.
 * @param env - more environment for the demo.
 */
export function defineClientSuite(name: string, env: Record<string, string> = {}): void {
  describe(`@ssekit/client: examples/${name}`, () => {
    let demo: RunningDemo;
    let url: string;
    const subscriptions: { close(): void }[] = [];
    const proxies: StreamProxy[] = [];

    const track = <T extends { close(): void }>(subscription: T): T => {
      subscriptions.push(subscription);
      return subscription;
    };
    const proxyToDemo = async (): Promise<StreamProxy> => {
      const proxy = await startStreamProxy(url);
      proxies.push(proxy);
      return proxy;
    };
    const connections = async (): Promise<number | undefined> => (await stats(url)).connections;
    const publishOk = async (body: Record<string, unknown>): Promise<Published> => {
      const answer = await publish(url, body);
      expect(answer.status, answer.text).toBe(202);
      return answer.json as Published;
    };
    /** Waits until every subscription given is open and the demo counts `count` streams. */
    const opened = (list: Subscription<DemoEvents>[], count: number): Promise<void> =>
      eventually(
        async () => list.every((s) => s.state === 'open') && (await connections()) === count,
        `${count} open streams`,
      );

    beforeAll(async () => {
      demo = await startDemo(name, { ...CLIENT_ENV, ...env });
      url = demo.url;
    });

    afterEach(async () => {
      for (const subscription of subscriptions.splice(0)) subscription.close();
      await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
      // Every test leaves the demo as it found it, so the next one counts from 0.
      await eventually(async () => (await connections()) === 0, 'every stream released');
    });

    afterAll(async () => {
      await demo.stop('SIGTERM', 5000);
    });

    const suite: ClientSuite = {
      get url() {
        return url;
      },
      track,
      proxyToDemo,
      connections,
      publishOk,
      opened,
    };
    defineTypedEventsClientTests(suite);
    defineResumeClientTests(suite);
    defineFiniteRunClientTests(suite);
    defineConnectionCapClientTests(suite);
    defineInactivityClientTests(suite);
    defineReleaseClientTests(suite);
  });
}
