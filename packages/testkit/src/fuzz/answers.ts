import { expect } from 'vitest';
import type { Outcome } from '../fuzz-inputs.js';
import type { RawAnswer } from '../raw-http.js';
import { FUZZ_ENV } from './run.js';

/** The first line of every stream the suite opens. */
export const RETRY_BLOCK = `retry: ${FUZZ_ENV.RETRY_MS}\n`;
/** Every line a stream may hold: known fields, comments, blank lines. No CR anywhere. */
const STREAM_LINE = /^(?:id: [A-Za-z0-9._~-]{1,128}|event: [^\r\n]*|data: [^\r\n]*|retry: \d+|:[^\r\n]*|)$/;

/** The answer's status and its first bytes, for a failure's message. */
export function describeAnswer(answer: RawAnswer): string {
  return `${answer.status} ${JSON.stringify(answer.raw.toString('latin1').slice(0, 600))}`;
}

/** Event data as an `EventSource` hands it over: valid UTF-8, CRLF and CR read as LF. */
export function asReceived(text: string): string {
  return Buffer.from(text, 'utf8')
    .toString('utf8')
    .replace(/\r\n|\r/g, '\n');
}

/** Checks that `text` (a stream's bytes, decoded) holds only well-formed lines. */
export function expectWellFormedStream(text: string): void {
  const lines = text.split('\n');
  lines.pop(); // a last line may be still on its way
  for (const line of lines) expect(STREAM_LINE.test(line), `stream line ${JSON.stringify(line)}`).toBe(true);
}

/** Checks that `answer` is what `outcome` says: a well-formed stream, a clear refusal, or the parser's. */
export function expectOutcome(answer: RawAnswer, outcome: Outcome): void {
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
export function expectRefusal(answer: RawAnswer): void {
  const what = describeAnswer(answer);
  expect(answer.status >= 400 && answer.status < 500, what).toBe(true);
  expect(answer.headers['content-type'], what).toMatch(/^application\/json/);
  const body = JSON.parse(answer.body.toString('utf8')) as unknown;
  expect(typeof (body as { error?: unknown } | null)?.error, what).toBe('string');
}
