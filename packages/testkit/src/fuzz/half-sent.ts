import { expect, it } from 'vitest';
import { jsonBytes } from '../fuzz-inputs.js';
import { request } from '../http.js';
import { halfSent, rawRequest } from '../raw-http.js';
import { describeAnswer, expectOutcome } from './answers.js';
import type { FuzzRun } from './run.js';

/** Requests that stop half-way, closed or left open, while the demo serves others. */
export function defineHalfSentFuzz(fuzz: FuzzRun): void {
  const { publish, differences, stalled } = fuzz;
  it('survives half-sent requests that close or stall, and keeps serving meanwhile', { timeout: 60_000 }, async () => {
    const { port, demo } = fuzz;
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
  });
}
