// Property tests of the wire encoder against an independent parser of the WHATWG event-stream
// format (eventsource-parser). Runs per property: FC_RUNS (default 10,000).
//
// Two documented differences of eventsource-parser from a browser, handled below:
// - it reports `event: ""` as `event: undefined` (a browser dispatches it as "message");
// - it reports the id of each block, not the browser's sticky "last event ID".
//
// Empty data: a block with a `data:` line whose value is empty IS dispatched, with data "", by
// the standard (its "data\n\ndata\ndata\n\ndata:" example) and by this parser. What is never
// dispatched is a block with no `data:` line at all (an id-only or retry-only block). So the
// round-trip generator keeps "" in (it is asserted to give exactly one event with data ""), and
// the no-data case is its own property.
import { isDeepStrictEqual } from 'node:util';
import { createParser, type EventSourceMessage, type ParseError } from 'eventsource-parser';
import fc from 'fast-check';
import { expect } from 'vitest';
import { SsekitError } from '../../src/index.js';
import type { SseEvent } from '../../src/index.js';

const RUNS = Number(process.env.FC_RUNS ?? 10_000);
export const params = { numRuns: RUNS };

// Each Vitest `expect` costs ~15 µs, which dominates 10,000 runs. In the hot loops the check is
// done first with plain code and `expect` only runs to report a failure with its usual diff.

/** `expect(actual).toStrictEqual(expected)`, cheap when it passes. */
export function expectSame(actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual).toStrictEqual(expected);
}

/** Fails with `what` and the offending value unless `ok`. */
export function expectThat(ok: boolean, what: string, value: unknown): void {
  if (!ok) expect(value, what).toBe('a value that satisfies the check');
}

export interface Parsed {
  events: EventSourceMessage[];
  retries: number[];
  comments: string[];
  errors: ParseError[];
}

/** Feeds `chunks` one after the other to a fresh parser and collects everything it reports. */
export function parseChunks(chunks: Iterable<string>): Parsed {
  const parsed: Parsed = { events: [], retries: [], comments: [], errors: [] };
  const parser = createParser({
    onEvent: (event) => parsed.events.push(event),
    onRetry: (retry) => parsed.retries.push(retry),
    onComment: (comment) => parsed.comments.push(comment),
    onError: (error) => parsed.errors.push(error),
  });
  for (const chunk of chunks) parser.feed(chunk);
  return parsed;
}

export const parse = (stream: string): Parsed => parseChunks([stream]);

/** What an EventSource's data becomes: every CRLF, CR and LF is one LF. */
export const normalize = (text: string): string => text.replace(/\r\n|\r|\n/g, '\n');

/** A code point iterator yields a lone surrogate as a one-unit string. */
function hasLoneSurrogate(text: string): boolean {
  for (const char of text) {
    const unit = char.charCodeAt(0);
    if (char.length === 1 && unit >= 0xd800 && unit <= 0xdfff) return true;
  }
  return false;
}

export const isValidEventName = (event: string): boolean => !/[\r\n]/.test(event) && !hasLoneSurrogate(event);
export const isValidId = (id: string): boolean => !/[\r\n\0]/.test(id) && !hasLoneSurrogate(id);

/**
 * Asserts that `run` throws `SsekitError('invalid_field')` (status 400) with an `ssekit:` message
 * and returns nothing. The passing case skips `expect`: the property tests call it thousands of
 * times.
 */
export function expectInvalidField(run: () => unknown): SsekitError {
  let returned: unknown = 'nothing thrown';
  let caught: unknown;
  try {
    returned = run();
  } catch (error) {
    caught = error;
    returned = undefined;
  }
  if (
    caught instanceof SsekitError &&
    caught.name === 'SsekitError' &&
    caught.code === 'invalid_field' &&
    caught.status === 400 &&
    caught.message.startsWith('ssekit:')
  ) {
    return caught;
  }
  expect(returned).toBeUndefined();
  expect(caught).toBeInstanceOf(SsekitError);
  const error = caught as SsekitError;
  expect(error.name).toBe('SsekitError');
  expect(error.code).toBe('invalid_field');
  expect(error.status).toBe(400);
  expect(error.message.startsWith('ssekit:')).toBe(true);
  return error;
}

// Strings biased toward the hard cases: line breaks of every kind, NUL, BOM, emoji, separators,
// and text that looks like a field or a comment.
const HARD_PIECES = [
  '\r',
  '\n',
  '\r\n',
  '\n\r',
  '\n\n',
  '\0',
  '\uFEFF',
  '😀',
  '👩‍👩‍👧',
  'é',
  '\u2028',
  '\u2029',
  '\u0085',
  ' ',
  '  ',
  ':',
  ': ',
  'data:',
  'data: x',
  'id:',
  'id: 1',
  'event:',
  'event: e',
  'retry:',
  'retry: 1',
];
const LONE_SURROGATES = ['\uD800', '\uDBFF', '\uDC00', '\uDFFF'];

function textFrom(pieces: readonly string[]): fc.Arbitrary<string> {
  return fc
    .array(
      fc.oneof(
        { weight: 2, arbitrary: fc.string({ unit: 'binary' }) },
        { weight: 3, arbitrary: fc.constantFrom(...pieces) },
      ),
      { maxLength: 12 },
    )
    .map((parts) => parts.join(''));
}

/** Any text at all, lone surrogates included: valid `data` and comment text. */
export const anyText = textFrom([...HARD_PIECES, ...LONE_SURROGATES]);
/** Valid `event` values: the hard cases minus CR and LF ('binary' strings hold no lone surrogate). */
export const validEventName = textFrom(HARD_PIECES).map((text) => text.replace(/[\r\n]/g, ''));
/** Valid `id` values: minus NUL too. */
export const validId = textFrom(HARD_PIECES).map((text) => text.replace(/[\r\n\0]/g, ''));
export const optional = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.option(arbitrary, { nil: undefined, freq: 3 });

export const validEvent: fc.Arbitrary<SseEvent> = fc.record({
  data: fc.oneof(anyText, fc.jsonValue({ stringUnit: 'binary', maxDepth: 2 })),
  event: optional(validEventName),
  id: optional(validId),
  retry: optional(fc.maxSafeNat()),
});

/** What the parser must report for a valid event. */
export function expectedMessage(event: SseEvent): EventSourceMessage {
  const data = typeof event.data === 'string' ? normalize(event.data) : JSON.stringify(event.data);
  // eventsource-parser reports an empty event type as undefined.
  return { data, event: event.event === '' ? undefined : event.event, id: event.id };
}
