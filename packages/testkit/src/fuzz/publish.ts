import fc from 'fast-check';
import { expect, it } from 'vitest';
import { anyBody, contentTypes, jsonBytes, refusedBody, wellFormedBody } from '../fuzz-inputs.js';
import { rawRequest } from '../raw-http.js';
import { describeAnswer } from './answers.js';
import { postRequest } from './raw-requests.js';
import type { FuzzRun } from './run.js';

/** Publish bodies: well-formed, forged, malformed, in any content type, over the limit. */
export function definePublishFuzz(fuzz: FuzzRun): void {
  const { runs, publish, differences } = fuzz;
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
      const { port } = fuzz;
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
}
