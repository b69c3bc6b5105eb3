import type net from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo } from './demo.js';
import type { RunningDemo } from './demo.js';
import {
  WATCHED_TOPICS,
  anyBody,
  anyTopic,
  contentTypes,
  decodeQueryValue,
  fuzzRuns,
  headerIdBytes,
  headerIdOutcome,
  jsonBytes,
  jsonText,
  percentEncode,
  queryBytes,
  queryIdOutcome,
  refusedBody,
  validTopic,
  wellFormedBody,
} from './fuzz-inputs.js';
import type { Outcome } from './fuzz-inputs.js';
import { eventually, request, stats } from './http.js';
import type { RuntimeDifferences } from './demo-list.js';
import { halfSent, rawRequest } from './raw-http.js';
import type { RawAnswer } from './raw-http.js';
import { SseClient } from './sse-client.js';

/** The settings the fuzz suite starts a demo with: history long enough to replay it all. */
export const FUZZ_ENV = { RETRY_MS: '1500', HEARTBEAT_MS: '1000', TICK_MS: '1000', REPLAY_SIZE: '100000' } as const;

const CRLF = Buffer.from('\r\n');
const ID = Buffer.from('Last-Event-ID: ', 'latin1');
const RETRY_BLOCK = `retry: ${FUZZ_ENV.RETRY_MS}\n`;
const PROBE = 'fz-probe';
/** Every line a stream may hold: known fields, comments, blank lines. No CR anywhere. */
const STREAM_LINE = /^(?:id: [A-Za-z0-9._~-]{1,128}|event: [^\r\n]*|data: [^\r\n]*|retry: \d+|:[^\r\n]*|)$/;

interface Published {
  topic: string;
  id: string;
  event: string | undefined;
  data: string;
}

function describeAnswer(answer: RawAnswer): string {
  return `${answer.status} ${JSON.stringify(answer.raw.toString('latin1').slice(0, 600))}`;
}

/** Event data as an `EventSource` hands it over: valid UTF-8, CRLF and CR read as LF. */
function asReceived(text: string): string {
  return Buffer.from(text, 'utf8')
    .toString('utf8')
    .replace(/\r\n|\r/g, '\n');
}

/** Checks that `text` (a stream's bytes, decoded) holds only well-formed lines. */
function expectWellFormedStream(text: string): void {
  const lines = text.split('\n');
  lines.pop(); // a last line may be still on its way
  for (const line of lines) expect(STREAM_LINE.test(line), `stream line ${JSON.stringify(line)}`).toBe(true);
}

function expectOutcome(answer: RawAnswer, outcome: Outcome): void {
  const what = describeAnswer(answer);
  if (outcome === 'stream') {
    expect(answer.status, what).toBe(200);
    expect(answer.headers['content-type'], what).toBe('text/event-stream; charset=utf-8');
    const text = answer.body.toString('utf8');
    expect(text.slice(0, RETRY_BLOCK.length), what).toBe(RETRY_BLOCK);
    expectWellFormedStream(text);
  } else if (outcome === 'refused') {
    expectRefusal(answer);
  } else {
    // Refused by Node's HTTP parser before any application code (any body: some frameworks
    // word it themselves).
    expect([400, 431], what).toContain(answer.status);
  }
}

/** A clear refusal: a 4xx with a JSON body `{ "error": string }`. */
function expectRefusal(answer: RawAnswer): void {
  const what = describeAnswer(answer);
  expect(answer.status >= 400 && answer.status < 500, what).toBe(true);
  expect(answer.headers['content-type'], what).toMatch(/^application\/json/);
  const body = JSON.parse(answer.body.toString('utf8')) as unknown;
  expect(typeof (body as { error?: unknown } | null)?.error, what).toBe('string');
}

function getRequest(target: string, headers: (string | Buffer)[] = []): Buffer {
  return Buffer.concat([
    Buffer.from(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n`, 'latin1'),
    ...headers.flatMap((header) => [typeof header === 'string' ? Buffer.from(header, 'latin1') : header, CRLF]),
    CRLF,
  ]);
}

function postRequest(body: Buffer, contentType: string | undefined): Buffer {
  const type = contentType === undefined ? '' : `Content-Type: ${contentType}\r\n`;
  return Buffer.concat([
    Buffer.from(
      `POST /publish HTTP/1.1\r\nHost: 127.0.0.1\r\n${type}Content-Length: ${body.byteLength}\r\nConnection: close\r\n\r\n`,
      'latin1',
    ),
    body,
  ]);
}

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

    it('answers bad Last-Event-ID headers, sent as raw bytes, with a clear 400', { timeout: 120_000 }, async () => {
      const cases: Uint8Array[] = [
        Buffer.from('x'.repeat(129)),
        Buffer.from('9'.repeat(10_000)),
        Buffer.from([0xff, 0xfe, 0xfd]),
        Buffer.from([0xc0, 0xaf, 0x41]), // an overlong encoding
        Buffer.from([0xed, 0xa0, 0x80]), // a UTF-16 surrogate as UTF-8
        Buffer.from('1\u00e9', 'latin1'),
        Buffer.from('1\0event: forged', 'latin1'),
        Buffer.from('1\x0bdata: forged', 'latin1'),
        Buffer.from('../../etc/passwd'),
        Buffer.from('   '),
        Buffer.from('a b'),
      ];
      for (const value of cases) {
        const answer = await rawRequest(port, getRequest(`/events?topic=${PROBE}`, [Buffer.concat([ID, value])]));
        expectOutcome(answer, headerIdOutcome(value));
      }
      // Past Node's header size limit: refused by its parser (431), before any handler.
      const huge = await rawRequest(port, getRequest(`/events`, [`Last-Event-ID: ${'1'.repeat(100_000)}`]));
      expectOutcome(huge, 'parser');
      // A second header line is a second header, never part of the id (HTTP splits them).
      const split = await rawRequest(
        port,
        getRequest(`/events?topic=${PROBE}`, ['Last-Event-ID: 1', 'event: forged', 'Last-Event-ID: 2']),
      );
      expectOutcome(split, 'refused');
      await fc.assert(
        fc.asyncProperty(headerIdBytes, async (value) => {
          const answer = await rawRequest(port, getRequest(`/events?topic=${PROBE}`, [Buffer.concat([ID, value])]));
          expectOutcome(answer, headerIdOutcome(value));
        }),
        { numRuns: runs },
      );
    });

    it(
      'answers bad ?lastEventId= values, injections through percent-encoding included, with a 400',
      {
        timeout: 120_000,
      },
      async () => {
        const cases = [
          '1%0D%0Aevent%3A%20forged%0D%0Adata%3A%20x',
          '1%0Aevent:forged',
          '1%0D',
          '%00',
          '1%00',
          '%E2%80%A8',
          '%FF%FE',
          '%C0%AF',
          '%25%30%41',
          '7'.repeat(129),
          '%20%201',
          '1+2',
        ];
        for (const encoded of cases) {
          const answer = await rawRequest(port, getRequest(`/events?topic=${PROBE}&lastEventId=${encoded}`));
          expectOutcome(answer, queryIdOutcome(encoded));
        }
        await fc.assert(
          fc.asyncProperty(queryBytes, async (bytes) => {
            const encoded = percentEncode(bytes);
            const answer = await rawRequest(port, getRequest(`/events?topic=${PROBE}&lastEventId=${encoded}`));
            expectOutcome(answer, queryIdOutcome(encoded));
          }),
          { numRuns: runs },
        );
      },
    );

    it('answers bad topics on /events with a 400, and opens streams for good ones', { timeout: 120_000 }, async () => {
      const empty = await rawRequest(port, getRequest('/events?topic='));
      expectOutcome(empty, 'refused');
      await fc.assert(
        fc.asyncProperty(fc.array(anyTopic, { minLength: 1, maxLength: 3 }), async (topics) => {
          const encoded = topics.map((topic) => percentEncode(Buffer.from(topic, 'utf8')));
          const query = encoded.map((value) => `topic=${value}`).join('&');
          const answer = await rawRequest(port, getRequest(`/events?${query}`));
          const decoded = encoded.map(decodeQueryValue);
          expectOutcome(answer, decoded.every(validTopic) ? 'stream' : 'refused');
        }),
        { numRuns: runs },
      );
    });

    it('publishes every well-formed body as one event, whatever its data holds', { timeout: 120_000 }, async () => {
      const forged = 'a\r\n\r\nevent: forged\nid: 666\n\ndata: forged\rretry: 1\n';
      for (const body of [
        jsonBytes({ topic: 'fz-a', data: forged }),
        jsonBytes({ topic: 'fz-b', event: 'e', data: { text: forged } }),
        jsonBytes({ data: '\0\u2028\u0085\ufeff' }),
        jsonBytes({ topic: 'fz-a', event: 'a\u2028b', data: '' }),
        // Numbers JSON cannot hold exactly: they go out as their JavaScript JSON text.
        Buffer.from('{"topic":"fz-a","data":1e400}'),
        Buffer.from('{"topic":"fz-a","data":[123456789012345678901234567890,-0,5e-400]}'),
      ]) {
        const answer = await publish(body);
        expect(answer.status, describeAnswer(answer)).toBe(202);
      }
      // Exactly the size limit is still accepted.
      const padding = 1024 * 1024 - '{"topic":"fz-b","data":""}'.length;
      const atLimit = await publish(Buffer.from(`{"topic":"fz-b","data":"${'x'.repeat(padding)}"}`));
      expect(atLimit.status, describeAnswer(atLimit)).toBe(202);
      await fc.assert(
        fc.asyncProperty(wellFormedBody, async (body) => {
          const answer = await publish(jsonBytes(body));
          expect(answer.status, describeAnswer(answer)).toBe(202);
        }),
        { numRuns: runs },
      );
    });

    it(
      'refuses with a 4xx bodies that would forge fields, have no data, or are not an object',
      {
        timeout: 120_000,
      },
      async () => {
        const cases: Buffer[] = [
          Buffer.alloc(0),
          Buffer.from('{"data":"x","event":"a\\r\\ndata: forged"}'),
          Buffer.from('{"data":"x","id":"1\\nevent: forged"}'),
          Buffer.from('{"data":"x","id":"1\\u0000"}'),
          Buffer.from('{"data":"x","event":"ssekit-reset"}'),
          Buffer.from('{"__proto__":{"data":1}}'),
          Buffer.from('{"data":"x","topic":""}'),
          Buffer.from(`{"data":"x","topic":"${'t'.repeat(129)}"}`),
          Buffer.from('{"data":"x","topic":"a\\r\\nb"}'),
          Buffer.concat([Buffer.from('{"data":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]),
          Buffer.from('{"data":'),
          Buffer.from('null'),
          Buffer.from('[{"data":1}]'),
        ];
        for (const body of cases) {
          const answer = await publish(body);
          expect(answer.status, describeAnswer(answer)).toBe(400);
        }
        const over = await publish(Buffer.from(`{"data":"${'x'.repeat(1024 * 1024)}"}`));
        expect(over.status, describeAnswer(over)).toBe(413);
        await fc.assert(
          fc.asyncProperty(refusedBody, async (body) => {
            const answer = await publish(body);
            expect(answer.status, describeAnswer(answer)).toBeGreaterThanOrEqual(400);
          }),
          { numRuns: runs },
        );
      },
    );

    it(
      'answers any other body, in any content type, with a 202 or a clear 4xx, never a 5xx',
      {
        timeout: 120_000,
      },
      async () => {
        const deep = 100_000;
        await publish(Buffer.from(`{"topic":"fz-a","data":${'['.repeat(deep)}${']'.repeat(deep)}}`));
        await publish(Buffer.from(`{"topic":"fz-a","data":${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}}`));
        await publish(Buffer.from('{"data":1,"data":"second wins"}'));
        await publish(Buffer.from('{"data":true,"topic":7,"event":["x"],"id":{}}'));
        await fc.assert(
          fc.asyncProperty(fc.oneof(anyBody, wellFormedBody.map(jsonBytes)), contentTypes, async (body, type) => {
            await publish(body, type);
          }),
          { numRuns: runs * 2 },
        );
      },
    );

    it(
      'answers every body over the limit with its 413, never with a reset that loses it',
      { timeout: 60_000 },
      async () => {
        // A server that answers while the body is still arriving, then closes with it unread,
        // makes the client's kernel reset the connection, and the answer can be lost on the way:
        // once in about twenty tries on Bun and @hono/node-server when the demos did not read on.
        const over = postRequest(Buffer.from(`{"data":"${'x'.repeat(1024 * 1024)}"}`), 'application/json');
        const statuses = new Map<number, number>();
        for (let n = 0; n < 100; n++) {
          const { status } = await rawRequest(port, over);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
        }
        if (differences.overLimit === '413-or-reset') {
          // Answered before the body is read: mostly 413, the rest connections reset with no answer.
          expect([...statuses.keys()].filter((status) => status !== 413 && status !== 0)).toEqual([]);
          expect(statuses.get(413) ?? 0).toBeGreaterThanOrEqual(90);
        } else {
          expect(Object.fromEntries(statuses)).toEqual({ 413: 100 });
        }
      },
    );

    it(
      'survives half-sent requests that close or stall, and keeps serving meanwhile',
      { timeout: 60_000 },
      async () => {
        const partial = [
          'GET /eve',
          'GET /events?topic=fz-a HTTP/1.1\r\nHost: 127.0.0.1\r\nLast-Ev',
          'POST /publish HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{"topic":"fz-a","da',
          'POST /publish HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n8\r\n{"topic"',
          'POST /publish HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n{"topic":"fz-a","data":"',
          'POST /publish HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\nContent-Length: 20\r\n\r\n',
          `POST /publish HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: ${2 * 1024 * 1024}\r\n\r\n{"data":"`,
        ];
        for (const bytes of partial) {
          const closing = await halfSent(port, bytes);
          closing.destroy();
          stalled.push(await halfSent(port, bytes));
        }
        // A broken chunk size is refused by the parser.
        const broken = await rawRequest(
          port,
          'POST /publish HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n',
        );
        if (differences.malformedBody === 'closed') {
          expect(broken.status, describeAnswer(broken)).toBe(0);
          expect(broken.raw.byteLength, describeAnswer(broken)).toBe(0);
        } else {
          expectOutcome(broken, 'parser');
        }
        // With every stalled request still open, the server answers everyone else at once.
        const during = await publish(jsonBytes({ topic: 'fz-b', event: 'during-stall', data: 'still serving' }));
        expect(during.status, describeAnswer(during)).toBe(202);
        expect((await request(`${demo.url}/stats`)).status).toBe(200);
      },
    );

    it('lets no forged field reach a subscriber, and keeps /stats consistent', { timeout: 60_000 }, async () => {
      const watched = published.filter((item) => (WATCHED_TOPICS as readonly string[]).includes(item.topic));
      // Not vacuous: many bodies were accepted and many refused.
      expect(watched.length).toBeGreaterThan(runs / 2);
      expect(refusals).toBeGreaterThan(runs);
      await watcher.waitFor((c) => c.events.length >= watched.length, 20_000, `${watched.length} events`);
      const key = (item: { id: string | undefined; event: string | undefined; data: string }): string =>
        JSON.stringify([item.id, item.event === '' ? undefined : item.event, item.data]);
      expect(watcher.events.map(key).sort()).toEqual(watched.map(key).sort());
      expectWellFormedStream(watcher.raw);
      expect(watcher.raw.includes('\r')).toBe(false);
      expect(watcher.retries).toEqual([Number(FUZZ_ENV.RETRY_MS)]);
      expect(watcher.comments.every((comment) => comment === '')).toBe(true);
      expect(watcher.isEnded).toBe(false);

      // History replays the same events, in the same order.
      const marker = watcher.events[0]?.id as string;
      const search = WATCHED_TOPICS.map((topic) => `topic=${topic}`).join('&');
      const resumed = await SseClient.connect(`${demo.url}/events?${search}`, { lastEventId: marker });
      try {
        await resumed.waitFor((c) => c.events.length >= watched.length - 1, 20_000, 'the replay');
        expect(resumed.events).toEqual(watcher.events.slice(1));
        expectWellFormedStream(resumed.raw);
      } finally {
        resumed.close();
      }

      await eventually(
        async () => (await stats(demo.url)).connections === baseline.connections,
        'connections back to baseline',
        10_000,
      );
      const after = await stats(demo.url);
      expect(after.published).toBe((baseline.published ?? 0) + published.length);
      expect(demo.child.exitCode).toBe(null);
      expect(demo.child.signalCode).toBe(null);
    });
  });
}
