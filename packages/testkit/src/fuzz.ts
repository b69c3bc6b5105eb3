import type net from 'node:net';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { startDemo } from './demo.js';
import type { RunningDemo } from './demo.js';
import type { RuntimeDifferences } from './demo-list.js';
import { WATCHED_TOPICS, fuzzRuns, jsonBytes, jsonText } from './fuzz-inputs.js';
import { stats } from './http.js';
import { rawRequest } from './raw-http.js';
import type { RawAnswer } from './raw-http.js';
import { SseClient } from './sse-client.js';
import { RETRY_BLOCK, asReceived, describeAnswer, expectRefusal } from './fuzz/answers.js';
import { defineDeliveryFuzz } from './fuzz/delivery.js';
import { defineEventsFuzz } from './fuzz/events.js';
import { defineHalfSentFuzz } from './fuzz/half-sent.js';
import { definePublishFuzz } from './fuzz/publish.js';
import { postRequest } from './fuzz/raw-requests.js';
import { FUZZ_ENV } from './fuzz/run.js';
import type { FuzzRun, Published } from './fuzz/run.js';

export { FUZZ_ENV } from './fuzz/run.js';

/**
 * Malformed input at the HTTP layer, against `examples/<name>` started as the contract says:
 * bad `Last-Event-ID` values (huge, non-UTF-8 bytes sent raw, CR/LF/NUL through the query and
 * percent-encoding), bad topics, bad publish bodies (random bytes, deep nesting, huge numbers,
 * wrong types and content types, truncated JSON), half-sent requests that close or stall. Inputs
 * come from fast-check (`FUZZ_RUNS` cases per property) and a hand-picked list.
 *
 * It asserts: each refusal is a 4xx with `{ "error" }` (or Node's own 400 for what its parser
 * rejects), nothing is ever a 5xx, the process stays up, a watcher on the fuzzed topics receives
 * exactly the events of the publishes that were accepted (every field as published, every line
 * well-formed, no forged field), a resumed stream replays the same, and `/stats` agrees
 * (connections back to baseline, `published` equal to the number of 202s).
 *
 * @param name - the example's folder under `examples/`.
 * @param env - more environment.
 * @param differences - where the demo's runtime is known to answer differently, checked as such.
 */
export function defineFuzzSuite(
  name: string,
  env: Record<string, string> = {},
  differences: RuntimeDifferences = {},
): void {
  describe(`fuzz: examples/${name}`, () => {
    let demo: RunningDemo;
    let port: number;
    let watcher: SseClient;
    let baseline: Record<string, number>;
    const published: Published[] = [];
    const stalled: net.Socket[] = [];
    const runs = fuzzRuns();
    let refusals = 0;

    /** Sends a publish; a 202 is recorded, anything else must be a clear refusal. */
    async function publish(body: Buffer, contentType: string | undefined = 'application/json'): Promise<RawAnswer> {
      const answer = await rawRequest(port, postRequest(body, contentType));
      if (answer.status === 202) {
        const sent = JSON.parse(body.toString('utf8')) as Record<string, unknown>;
        const result = JSON.parse(answer.body.toString('utf8')) as { id: string; delivered: number };
        const topic = (sent.topic as string | undefined) ?? 'default';
        const data = typeof sent.data === 'string' ? sent.data : jsonText(sent.data);
        const event = sent.event === '' ? undefined : (sent.event as string | undefined);
        published.push({ topic, id: result.id, event, data: asReceived(data) });
        if ((WATCHED_TOPICS as readonly string[]).includes(topic)) {
          expect(result.delivered, describeAnswer(answer)).toBeGreaterThanOrEqual(1);
        }
      } else {
        expectRefusal(answer);
        refusals++;
      }
      return answer;
    }

    beforeAll(async () => {
      demo = await startDemo(name, { ...FUZZ_ENV, ...env });
      port = demo.port;
      const search = WATCHED_TOPICS.map((topic) => `topic=${topic}`).join('&');
      watcher = await SseClient.connect(`${demo.url}/events?${search}`);
      await watcher.waitFor((c) => c.raw.startsWith(RETRY_BLOCK), 5000, 'the watcher to start');
      baseline = await stats(demo.url);
      // The point a resuming client starts from at the end.
      expect((await publish(jsonBytes({ topic: 'fz-a', event: 'marker', data: 'start' }))).status).toBe(202);
    });

    afterAll(async () => {
      for (const socket of stalled) socket.destroy();
      watcher.close();
      await demo.stop();
    });

    const fuzz: FuzzRun = {
      differences,
      runs,
      published,
      stalled,
      publish,
      get demo() {
        return demo;
      },
      get port() {
        return port;
      },
      get watcher() {
        return watcher;
      },
      get baseline() {
        return baseline;
      },
      get refusals() {
        return refusals;
      },
    };
    defineEventsFuzz(fuzz);
    definePublishFuzz(fuzz);
    defineHalfSentFuzz(fuzz);
    defineDeliveryFuzz(fuzz);
  });
}
