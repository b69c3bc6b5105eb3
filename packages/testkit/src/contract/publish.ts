import { beforeAll, describe, expect, it } from 'vitest';
import { publish, stats } from '../http.js';
import { RETRY_LINE, compareIds, freshTopic, open, publishOk, wireFrame, withoutComments } from './harness.js';
import type { ContractSuite, Published } from './harness.js';

/** The contract of `POST /publish`: its answer, ids, data byte-exact, the body limit, bad bodies. */
export function definePublishContract(suite: ContractSuite): void {
  const { track } = suite;
  describe('POST /publish', () => {
    // The demo starts in the suite's beforeAll, after this section is defined.
    let url: string;
    beforeAll(() => {
      url = suite.url();
    });

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
}
