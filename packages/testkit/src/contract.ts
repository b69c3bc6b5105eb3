import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeGroupCursor } from '@ssekit/core';
import { startDemo } from './demo.js';
import type { RunningDemo } from './demo.js';
import type { RuntimeDifferences } from './demo-list.js';
import { eventually, publish, request, stats } from './http.js';
import { SseClient } from './sse-client.js';

/** The settings the contract suite starts every demo with. */
export const CONTRACT_ENV = {
  RETRY_MS: '1500',
  HEARTBEAT_MS: '250',
  TICK_MS: '100',
  REPLAY_SIZE: '100',
} as const;

let topicCounter = 0;
/** A topic no other test uses, so tests on one demo do not see each other's events. */
export function freshTopic(label = 't'): string {
  topicCounter++;
  return `${label}-${topicCounter}-${Math.random().toString(36).slice(2, 8)}`;
}

/** The bytes a published event has on the wire. */
export function wireFrame(id: string, data: string, event?: string): string {
  const lines = data.split(/\r\n|\r|\n/).map((line) => `data: ${line}\n`);
  return `id: ${id}\n${event === undefined ? '' : `event: ${event}\n`}${lines.join('')}\n`;
}

/** The stream without its comment lines (heartbeats may fall anywhere between events). */
export function withoutComments(raw: string): string {
  return raw.replace(/^:[^\n]*\n/gm, '');
}

const RETRY_LINE = `retry: ${CONTRACT_ENV.RETRY_MS}\n`;

interface Published {
  id: string;
  delivered: number;
}

async function publishOk(url: string, body: Record<string, unknown>): Promise<Published> {
  const answer = await publish(url, body);
  expect(answer.status, answer.text).toBe(202);
  const result = answer.json as Published;
  expect(typeof result.id).toBe('string');
  expect(typeof result.delivered).toBe('number');
  return result;
}

async function open(url: string, topics: string[], lastEventId?: string, query = ''): Promise<SseClient> {
  const search = topics.map((topic) => `topic=${encodeURIComponent(topic)}`).join('&');
  const client = await SseClient.connect(`${url}/events?${search}${query}`, { lastEventId });
  await client.waitFor((c) => c.raw.startsWith(RETRY_LINE), 5000, 'the retry line');
  return client;
}

function compareIds(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) return BigInt(a) < BigInt(b) ? -1 : BigInt(a) > BigInt(b) ? 1 : 0;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The black-box suite of `docs/contract.md`: starts `examples/<name>` with `PORT=0` and
 * drives every route over real sockets. One spec, every adapter.
 * @param name - the example's folder under `examples/`.
 * @param env - more environment (e.g. `REDIS_URL`).
 * @param differences - where the demo's runtime is known to answer differently, checked as such.
 */
export function defineContractSuite(
  name: string,
  env: Record<string, string> = {},
  differences: RuntimeDifferences = {},
): void {
  describe(`contract: examples/${name}`, () => {
    let demo: RunningDemo;
    let url: string;
    const clients: SseClient[] = [];
    const track = (client: SseClient): SseClient => {
      clients.push(client);
      return client;
    };

    beforeAll(async () => {
      demo = await startDemo(name, { ...CONTRACT_ENV, ...env });
      url = demo.url;
    });

    afterAll(async () => {
      for (const client of clients) client.close();
      await demo.stop('SIGTERM', 5000);
    });

    describe('GET /events', () => {
      it('answers 200 with the event-stream headers', async () => {
        const client = track(await open(url, [freshTopic()]));
        expect(client.status).toBe(200);
        expect(client.headers['content-type']).toBe('text/event-stream; charset=utf-8');
        const cacheControl = (client.headers['cache-control'] ?? '').split(',').map((part) => part.trim());
        expect(cacheControl).toContain('no-cache');
        expect(cacheControl).toContain('no-transform');
        expect(client.headers['x-accel-buffering']).toBe('no');
        // The client asked for `Connection: close`; see RuntimeDifferences.connectionOnClose.
        expect(client.headers.connection).toBe(differences.connectionOnClose ?? 'keep-alive');
        expect(client.headers['content-encoding']).toBeUndefined();
        client.close();
      });

      it('answers Connection: keep-alive to a client that asks to keep the connection', async () => {
        const client = track(
          await SseClient.connect(`${url}/events?topic=${freshTopic()}`, { headers: { connection: 'keep-alive' } }),
        );
        expect(client.status).toBe(200);
        expect(client.headers.connection).toBe('keep-alive');
        client.close();
      });

      it('sends the retry hint as the very first bytes, in a flush of its own', async () => {
        const client = track(await open(url, [freshTopic()]));
        expect(client.bytes[0]?.toString('utf8').startsWith(RETRY_LINE)).toBe(true);
        expect(client.retries[0]).toBe(Number(CONTRACT_ENV.RETRY_MS));
        client.close();
      });

      it('is subscribed by the time the retry line arrives', async () => {
        for (let round = 0; round < 10; round++) {
          const topic = freshTopic('race');
          const client = track(await open(url, [topic]));
          const result = await publishOk(url, { topic, data: `round ${round}` });
          expect(result.delivered).toBe(1);
          await client.waitForEvents(1);
          expect(withoutComments(client.raw)).toBe(RETRY_LINE + wireFrame(result.id, `round ${round}`));
          client.close();
        }
      });

      it('delivers each event while the connection stays open, before the next is published', async () => {
        const topic = freshTopic();
        const client = track(await open(url, [topic]));
        const sent: Published[] = [];
        for (let i = 0; i < 5; i++) {
          sent.push(await publishOk(url, { topic, event: 'step', data: { i } }));
          await client.waitForEvents(i + 1, 3000);
          expect(client.isEnded).toBe(false);
        }
        expect(withoutComments(client.raw)).toBe(
          RETRY_LINE + sent.map((result, i) => wireFrame(result.id, JSON.stringify({ i }), 'step')).join(''),
        );
        client.close();
      });

      it('puts a stream on topic "default" without ?topic=, and on every repeated ?topic=', async () => {
        const [a, b, c] = [freshTopic('a'), freshTopic('b'), freshTopic('c')];
        const plain = track(await SseClient.connect(`${url}/events`));
        const both = track(await open(url, [a, b]));
        const onlyC = track(await open(url, [c]));
        await plain.waitFor((client) => client.raw.startsWith(RETRY_LINE));
        const onA = await publishOk(url, { topic: a, data: 'to a' });
        const onB = await publishOk(url, { topic: b, data: 'to b' });
        const onDefault = await publishOk(url, { data: 'to default' });
        expect(onA.delivered).toBe(1);
        expect(onB.delivered).toBe(1);
        expect(onDefault.delivered).toBeGreaterThanOrEqual(1);
        await both.waitForEvents(2);
        await plain.waitFor((client) => client.events.some((event) => event.id === onDefault.id));
        if (differences.multiTopicIds === 'cursor') {
          // Each id carries the stream's position in both topics: after `to a`, a's event and
          // b's head (nothing yet); after `to b`, both events.
          const [first, second] = both.events;
          expect(decodeGroupCursor(first?.id ?? '', [a, b])?.get(a)).toBe(Number(onA.id));
          expect(decodeGroupCursor(second?.id ?? '', [a, b])).toEqual(
            new Map([
              [a, Number(onA.id)],
              [b, Number(onB.id)],
            ]),
          );
          expect(withoutComments(both.raw)).toBe(
            RETRY_LINE + wireFrame(first?.id ?? '', 'to a') + wireFrame(second?.id ?? '', 'to b'),
          );
        } else {
          expect(withoutComments(both.raw)).toBe(RETRY_LINE + wireFrame(onA.id, 'to a') + wireFrame(onB.id, 'to b'));
        }
        expect(plain.events.find((event) => event.id === onDefault.id)?.data).toBe('to default');
        expect(plain.events.some((event) => event.id === onA.id)).toBe(false);
        expect(onlyC.events).toEqual([]);
        for (const client of [plain, both, onlyC]) client.close();
      });

      it('sends a heartbeat comment on an idle stream every HEARTBEAT_MS', async () => {
        const client = track(await open(url, [freshTopic('idle')]));
        await client.waitFor((c) => c.comments.length >= 3, 5000, 'three heartbeats');
        expect(client.events).toEqual([]);
        client.close();
      });

      it('unregisters a stream as soon as its client goes away', async () => {
        const baseline = (await stats(url)).connections ?? 0;
        const topic = freshTopic('abort');
        const batch = await Promise.all(Array.from({ length: 50 }, () => open(url, [topic])));
        await eventually(async () => (await stats(url)).connections === baseline + 50, '50 more connections');
        for (const client of batch) client.close();
        await eventually(async () => (await stats(url)).connections === baseline, 'connections back to baseline', 1000);
        const after = await publishOk(url, { topic, data: 'nobody' });
        expect(after.delivered).toBe(0);
      });
    });

    describe('POST /publish', () => {
      it('answers 202 with the id and how many streams received it', async () => {
        const topic = freshTopic();
        const clients2 = [track(await open(url, [topic])), track(await open(url, [topic]))];
        const answer = await publish(url, { topic, data: 'two' });
        expect(answer.status).toBe(202);
        expect(answer.headers['content-type']).toMatch(/^application\/json/);
        const body = answer.json as Published;
        expect(Object.keys(body).sort()).toEqual(['delivered', 'id']);
        expect(body.delivered).toBe(2);
        expect(body.id).toMatch(/^[A-Za-z0-9._~-]+$/);
        for (const client of clients2) client.close();
      });

      it('assigns ids that increase per topic', async () => {
        const topic = freshTopic();
        const ids: string[] = [];
        for (let i = 0; i < 20; i++) ids.push((await publishOk(url, { topic, data: i })).id);
        for (let i = 1; i < ids.length; i++) expect(compareIds(ids[i - 1] as string, ids[i] as string)).toBe(-1);
      });

      it('uses a caller-given id', async () => {
        const topic = freshTopic();
        const client = track(await open(url, [topic]));
        const result = await publishOk(url, { topic, data: 'mine', id: 'order-42' });
        expect(result.id).toBe('order-42');
        await client.waitForEvents(1);
        expect(withoutComments(client.raw)).toBe(RETRY_LINE + wireFrame('order-42', 'mine'));
        client.close();
      });

      const tricky: [string, string][] = [
        ['LF', 'one\ntwo'],
        ['CRLF', 'one\r\ntwo\r\n'],
        ['lone CR', 'one\rtwo\r\rthree'],
        ['mixed breaks', '\n\r\n\r'],
        ['U+2028 and U+2029', 'a\u2028b\u2029c'],
        ['leading spaces and colons', '  two spaces\n: not a comment\ndata: not a field\nid: 99'],
        ['emoji and astral', '😀 𝄞 \u{10FFFF}'],
        ['NUL and BOM', 'a\u0000b\uFEFFc'],
        ['empty string', ''],
        ['only spaces', '   '],
      ];
      for (const [label, data] of tricky) {
        it(`round-trips string data byte-exact: ${label}`, async () => {
          const topic = freshTopic();
          const client = track(await open(url, [topic]));
          const result = await publishOk(url, { topic, event: 'tricky', data });
          await client.waitForEvents(1);
          expect(withoutComments(client.raw)).toBe(RETRY_LINE + wireFrame(result.id, data, 'tricky'));
          expect(client.events).toEqual([{ event: 'tricky', data: data.replace(/\r\n|\r/g, '\n'), id: result.id }]);
          client.close();
        });
      }

      it('sends non-string data as its JSON text', async () => {
        const topic = freshTopic();
        const client = track(await open(url, [topic]));
        const values: unknown[] = [{ nested: { list: [1, 'two', null] }, text: 'line\nbreak' }, 42, true, null, ['a']];
        const sent: Published[] = [];
        for (const data of values) sent.push(await publishOk(url, { topic, data }));
        await client.waitForEvents(values.length);
        expect(withoutComments(client.raw)).toBe(
          RETRY_LINE + sent.map((result, i) => wireFrame(result.id, JSON.stringify(values[i]))).join(''),
        );
        client.close();
      });

      it('accepts a body of exactly 1 MiB and delivers it intact', async () => {
        const topic = freshTopic('big');
        const client = track(await open(url, [topic]));
        const shell = JSON.stringify({ topic, data: '' });
        const data = 'x'.repeat(1024 * 1024 - Buffer.byteLength(shell));
        const body = JSON.stringify({ topic, data });
        expect(Buffer.byteLength(body)).toBe(1024 * 1024);
        const answer = await publish(url, body);
        expect(answer.status, answer.text).toBe(202);
        const result = answer.json as Published;
        await client.waitForEvents(1, 10_000);
        expect(client.events[0]?.data.length).toBe(data.length);
        expect(withoutComments(client.raw)).toBe(RETRY_LINE + wireFrame(result.id, data));
        client.close();
      });

      it('refuses a body over 1 MiB with 413 and publishes nothing', async () => {
        const topic = freshTopic('big');
        const client = track(await open(url, [topic]));
        const before = (await stats(url)).published;
        const shell = JSON.stringify({ topic, data: '' });
        const body = JSON.stringify({ topic, data: 'x'.repeat(1024 * 1024 - Buffer.byteLength(shell) + 1) });
        const answer = await publish(url, body);
        expect(answer.status).toBe(413);
        expect(typeof (answer.json as { error?: unknown }).error).toBe('string');
        expect((await stats(url)).published).toBe(before);
        expect(client.events).toEqual([]);
        client.close();
      });

      const bad: [string, string | Record<string, unknown>][] = [
        ['not JSON', '{"data": '],
        ['a JSON array', '[1, 2]'],
        ['a JSON string', '"data"'],
        ['no data', { topic: 'x', event: 'e' }],
        ['event with LF', { data: 1, event: 'a\nb' }],
        ['event with CR', { data: 1, event: 'a\rb' }],
        ['event with CRLF injection', { data: 1, event: 'ok\r\ndata: injected' }],
        ['event with NUL', { data: 1, event: 'a\u0000b' }],
        ['id with LF', { data: 1, id: 'a\nb' }],
        ['id with CR', { data: 1, id: 'a\rid: 7' }],
        ['id with NUL', { data: 1, id: 'a\u0000' }],
        ['event that is not a string', { data: 1, event: 7 }],
        ['id that is not a string', { data: 1, id: 7 }],
        ['topic that is not a string', { data: 1, topic: ['a'] }],
      ];
      for (const [label, body] of bad) {
        it(`refuses a bad body with 400 and publishes nothing: ${label}`, async () => {
          const topic = freshTopic();
          const client = track(await open(url, [topic]));
          const before = (await stats(url)).published;
          const payload = typeof body === 'string' ? body : { topic, ...body };
          const answer = await publish(url, payload);
          expect(answer.status, answer.text).toBe(400);
          expect(answer.headers['content-type']).toMatch(/^application\/json/);
          expect(typeof (answer.json as { error?: unknown }).error).toBe('string');
          expect((await stats(url)).published).toBe(before);
          // A good event after the bad one arrives alone: nothing of the bad one leaked.
          const good = await publishOk(url, { topic, data: 'after' });
          await client.waitForEvents(1);
          expect(withoutComments(client.raw)).toBe(RETRY_LINE + wireFrame(good.id, 'after'));
          client.close();
        });
      }
    });

    describe('resumption', () => {
      it('replays what a client missed after Last-Event-ID, then continues live', async () => {
        const topic = freshTopic('resume');
        const sent: Published[] = [];
        for (let i = 0; i < 6; i++) sent.push(await publishOk(url, { topic, data: `m${i}` }));
        const client = track(await open(url, [topic], sent[2]?.id));
        await client.waitForEvents(3);
        const live = await publishOk(url, { topic, data: 'live' });
        await client.waitForEvents(4);
        expect(withoutComments(client.raw)).toBe(
          RETRY_LINE +
            sent
              .slice(3)
              .map((result, i) => wireFrame(result.id, `m${i + 3}`))
              .join('') +
            wireFrame(live.id, 'live'),
        );
        client.close();
      });

      it('takes the resume point from ?lastEventId= too', async () => {
        const topic = freshTopic('resume');
        const sent: Published[] = [];
        for (let i = 0; i < 3; i++) sent.push(await publishOk(url, { topic, data: `q${i}` }));
        const client = track(
          await open(url, [topic], undefined, `&lastEventId=${encodeURIComponent(sent[0]?.id ?? '')}`),
        );
        await client.waitForEvents(2);
        expect(client.events.map((event) => event.data)).toEqual(['q1', 'q2']);
        client.close();
      });

      it('replays across several topics in publish order', async () => {
        const [a, b] = [freshTopic('ra'), freshTopic('rb')];
        const sent: [string, Published][] = [];
        for (const [topic, data] of [
          [a, 'a0'],
          [b, 'b0'],
          [a, 'a1'],
          [b, 'b1'],
          [a, 'a2'],
        ] as const) {
          sent.push([data, await publishOk(url, { topic, data })]);
        }
        let resumeFrom = sent[0]?.[1].id;
        if (differences.multiTopicIds === 'cursor') {
          // The cursor of a stream on both topics that has seen `a0`, from the stream itself.
          const reader = track(await open(url, [a, b], undefined, '&from=start'));
          await reader.waitForEvents(1);
          resumeFrom = reader.events[0]?.id;
          expect(reader.events[0]?.data).toBe('a0');
          reader.close();
        }
        const client = track(await open(url, [a, b], resumeFrom));
        await client.waitForEvents(4);
        expect(client.events.map((event) => event.data)).toEqual(['b0', 'a1', 'b1', 'a2']);
        client.close();
      });

      it('has no gap and no duplicate when events are published during the resume', async () => {
        const topic = freshTopic('busy');
        const before: Published[] = [];
        for (let i = 0; i < 30; i++) before.push(await publishOk(url, { topic, data: `e${i}` }));
        const publishing = (async () => {
          const during: Published[] = [];
          for (let i = 30; i < 60; i++) during.push(await publishOk(url, { topic, data: `e${i}` }));
          return during;
        })();
        const clientsDuring = await Promise.all(
          [5, 10, 20].map(async (from) => ({ from, client: track(await open(url, [topic], before[from]?.id)) })),
        );
        const during = await publishing;
        const all = [...before, ...during];
        for (const { from, client } of clientsDuring) {
          await client.waitForEvents(59 - from, 10_000);
          await new Promise((resolve) => setTimeout(resolve, 50));
          expect(client.events.map((event) => event.id)).toEqual(all.slice(from + 1).map((result) => result.id));
          expect(client.events.map((event) => event.data)).toEqual(
            all.slice(from + 1).map((_r, i) => `e${from + 1 + i}`),
          );
          client.close();
        }
      });

      it('tells a client whose id is unknown, in-band, before live events continue', async () => {
        const topic = freshTopic('unknown');
        const client = track(await open(url, [topic], '999'));
        await client.waitForEvents(1);
        expect(client.events[0]?.event).toBe('ssekit-reset');
        expect(JSON.parse(client.events[0]?.data ?? '{}')).toEqual({ reason: 'unknown', lastEventId: '999' });
        const live = await publishOk(url, { topic, data: 'fresh' });
        await client.waitForEvents(2);
        expect(client.events[1]).toEqual({ event: undefined, data: 'fresh', id: live.id });
        client.close();
      });

      it('refuses a Last-Event-ID that is not an id with 400 before the stream starts', async () => {
        for (const value of ['x'.repeat(4096), 'bad id', 'a,b', '%00']) {
          const answer = await request(`${url}/events?topic=${freshTopic()}`, { headers: { 'last-event-id': value } });
          expect(answer.status).toBe(400);
          expect(typeof (answer.json as { error?: unknown }).error).toBe('string');
        }
        const viaQuery = await request(`${url}/events?lastEventId=${encodeURIComponent('a\r\nevent: x')}`);
        expect(viaQuery.status).toBe(400);
      });
    });

    describe('slow clients', () => {
      it('does not let a client that never reads slow the others, and ends it with memory bounded', async () => {
        const topic = freshTopic('slow');
        const stalled = track(await open(url, [topic]));
        stalled.pause();
        const reader = track(await open(url, [topic]));
        const before = await stats(url);
        const chunk = 'z'.repeat(64 * 1024);
        const sent: Published[] = [];
        let maxQueued = 0;
        // 32 MiB in all: far past the socket buffers and the 1 MiB budget.
        for (let i = 0; i < 512; i++) {
          sent.push(await publishOk(url, { topic, data: `${i} ${chunk}` }));
          if (i % 32 === 0) maxQueued = Math.max(maxQueued, (await stats(url)).queuedBytes ?? 0);
          await reader.waitForEvents(i + 1, 10_000);
        }
        expect(reader.events.map((event) => event.id)).toEqual(sent.map((result) => result.id));
        const after = await stats(url);
        expect((after.dropped ?? 0) - (before.dropped ?? 0)).toBeGreaterThan(0);
        if ('queuedBytes' in after) expect(maxQueued).toBeLessThanOrEqual(2 * 1024 * 1024);
        stalled.resume();
        await stalled.ended;
        expect(stalled.events.length).toBeLessThan(sent.length);
        reader.close();
      });
    });

    describe('GET /stats', () => {
      it('reports connections, published, delivered and dropped as numbers', async () => {
        const body = await stats(url);
        for (const key of ['connections', 'published', 'delivered', 'dropped']) expect(typeof body[key]).toBe('number');
        const topic = freshTopic();
        const client = track(await open(url, [topic]));
        const before = await stats(url);
        await publishOk(url, { topic, data: 'count me' });
        await client.waitForEvents(1);
        const after = await stats(url);
        expect(after.published).toBe((before.published ?? 0) + 1);
        expect(after.delivered).toBe((before.delivered ?? 0) + 1);
        client.close();
      });
    });

    describe('GET /ticks', () => {
      it('sends `id: N` and `data: tick N` from 0, one every TICK_MS', async () => {
        const client = track(await SseClient.connect(`${url}/ticks`));
        expect(client.status).toBe(200);
        expect(client.headers['content-type']).toBe('text/event-stream; charset=utf-8');
        await client.waitForEvents(4, 5000);
        expect(client.events.slice(0, 4)).toEqual(
          [0, 1, 2, 3].map((n) => ({ event: undefined, data: `tick ${n}`, id: String(n) })),
        );
        const baseline = (await stats(url)).connections ?? 0;
        client.close();
        await eventually(
          async () => (await stats(url)).connections === baseline - 1,
          'the ticks stream unregistered',
          1000,
        );
      });
    });

    describe('finite topics', () => {
      /** A run of `tokens`, then its final `done` event; the published results. */
      async function runOf(topic: string, tokens: readonly string[]): Promise<Published[]> {
        const results: Published[] = [];
        for (const token of tokens) results.push(await publishOk(url, { topic, event: 'token', data: token }));
        results.push(await publishOk(url, { topic, event: 'done', data: '', final: true }));
        return results;
      }

      function runFrames(results: readonly Published[], tokens: readonly string[]): string[] {
        return results.map((result, i) =>
          i < tokens.length ? wireFrame(result.id, tokens[i] as string, 'token') : wireFrame(result.id, '', 'done'),
        );
      }

      it("ends a stream cleanly right after its topic's final event, and refuses later publishes with 409", async () => {
        const topic = freshTopic('run');
        const client = track(await open(url, [topic]));
        const results = await runOf(topic, ['Hel', 'lo']);
        await client.ended;
        expect(client.completed).toBe(true);
        expect(withoutComments(client.raw)).toBe(RETRY_LINE + runFrames(results, ['Hel', 'lo']).join(''));
        const late = await publish(url, { topic, data: 'late' });
        expect(late.status).toBe(409);
        expect(typeof (late.json as { error?: unknown }).error).toBe('string');
      });

      it('answers 204 to a request after the end, with no resume point or with the final id', async () => {
        const topic = freshTopic('run');
        const results = await runOf(topic, ['a']);
        const fresh = await request(`${url}/events?topic=${topic}`, { headers: { accept: 'text/event-stream' } });
        expect(fresh.status).toBe(204);
        expect(fresh.text).toBe('');
        const seenAll = await request(`${url}/events?topic=${topic}`, {
          headers: { accept: 'text/event-stream', 'last-event-id': results[1]!.id },
        });
        expect(seenAll.status).toBe(204);
      });

      it('gives a client that resumes from before the end what it missed, the final included, then ends', async () => {
        const topic = freshTopic('run');
        const tokens = ['a', 'b', 'c'];
        const results = await runOf(topic, tokens);
        const frames = runFrames(results, tokens);
        for (const cut of [0, 2]) {
          const client = track(await open(url, [topic], results[cut]!.id));
          await client.ended;
          expect(client.completed).toBe(true);
          expect(withoutComments(client.raw)).toBe(RETRY_LINE + frames.slice(cut + 1).join(''));
        }
      });

      it('replays the whole retained history first with ?from=start, then live events', async () => {
        const topic = freshTopic('late');
        const first = await publishOk(url, { topic, data: 'one' });
        const client = track(await open(url, [topic], undefined, '&from=start'));
        await client.waitForEvents(1);
        const second = await publishOk(url, { topic, data: 'two' });
        await client.waitForEvents(2);
        expect(withoutComments(client.raw)).toBe(RETRY_LINE + wireFrame(first.id, 'one') + wireFrame(second.id, 'two'));
        client.close();
        const bad = await request(`${url}/events?topic=${topic}&from=end`);
        expect(bad.status).toBe(400);
      });
    });

    describe('shutdown', () => {
      it('ends every stream cleanly on SIGTERM and exits 0 within 5 seconds', async () => {
        const own = await startDemo(name, { ...CONTRACT_ENV, ...env });
        const streams = [await open(own.url, [freshTopic()]), await open(own.url, [freshTopic()])];
        const ticks = await SseClient.connect(`${own.url}/ticks`);
        await ticks.waitForEvents(1);
        const started = Date.now();
        const code = await own.stop('SIGTERM', 8000);
        expect(code).toBe(0);
        expect(Date.now() - started).toBeLessThan(5000);
        await Promise.all([...streams, ticks].map((client) => client.ended));
        for (const client of [...streams, ticks]) expect(client.completed).toBe(true);
      });
    });
  });
}
