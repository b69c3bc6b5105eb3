import fc from 'fast-check';
import { it } from 'vitest';
import {
  anyTopic,
  decodeQueryValue,
  headerIdBytes,
  headerIdOutcome,
  percentEncode,
  queryBytes,
  queryIdOutcome,
  validTopic,
} from '../fuzz-inputs.js';
import { rawRequest } from '../raw-http.js';
import { expectOutcome } from './answers.js';
import { ID, PROBE, getRequest } from './raw-requests.js';
import type { FuzzRun } from './run.js';

/** Bad `Last-Event-ID` values, in the header and the query, and bad topics on `/events`. */
export function defineEventsFuzz(fuzz: FuzzRun): void {
  const { runs } = fuzz;
  it('answers bad Last-Event-ID headers, sent as raw bytes, with a clear 400', { timeout: 120_000 }, async () => {
    const { port } = fuzz;
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
      const { port } = fuzz;
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
    const { port } = fuzz;
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
}
