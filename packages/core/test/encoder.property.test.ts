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
import { describe, it, expect } from 'vitest';
import { SsekitError, encodeComment, encodeEvent, formatComment, formatEvent } from '../src/index.js';
import type { SseEvent } from '../src/index.js';

const RUNS = Number(process.env.FC_RUNS ?? 10_000);
const params = { numRuns: RUNS };

// Each Vitest `expect` costs ~15 µs, which dominates 10,000 runs. In the hot loops the check is
// done first with plain code and `expect` only runs to report a failure with its usual diff.

/** `expect(actual).toStrictEqual(expected)`, cheap when it passes. */
function expectSame(actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual).toStrictEqual(expected);
}

/** Fails with `what` and the offending value unless `ok`. */
function expectThat(ok: boolean, what: string, value: unknown): void {
  if (!ok) expect(value, what).toBe('a value that satisfies the check');
}

interface Parsed {
  events: EventSourceMessage[];
  retries: number[];
  comments: string[];
  errors: ParseError[];
}

/** Feeds `chunks` one after the other to a fresh parser and collects everything it reports. */
function parseChunks(chunks: Iterable<string>): Parsed {
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

const parse = (stream: string): Parsed => parseChunks([stream]);

/** What an EventSource's data becomes: every CRLF, CR and LF is one LF. */
const normalize = (text: string): string => text.replace(/\r\n|\r|\n/g, '\n');

/** A code point iterator yields a lone surrogate as a one-unit string. */
function hasLoneSurrogate(text: string): boolean {
  for (const char of text) {
    const unit = char.charCodeAt(0);
    if (char.length === 1 && unit >= 0xd800 && unit <= 0xdfff) return true;
  }
  return false;
}

const isValidEventName = (event: string): boolean => !/[\r\n]/.test(event) && !hasLoneSurrogate(event);
const isValidId = (id: string): boolean => !/[\r\n\0]/.test(id) && !hasLoneSurrogate(id);

/** Asserts that `run` throws `SsekitError('invalid_field')` with an `ssekit:` message and returns nothing. */
function expectInvalidField(run: () => unknown): void {
  let returned: unknown = 'nothing thrown';
  let caught: unknown;
  try {
    returned = run();
  } catch (error) {
    caught = error;
    returned = undefined;
  }
  if (caught instanceof SsekitError && caught.code === 'invalid_field' && caught.message.startsWith('ssekit:')) return;
  expect(returned).toBeUndefined();
  expect(caught).toBeInstanceOf(SsekitError);
  expect((caught as SsekitError).code).toBe('invalid_field');
  expect((caught as SsekitError).message.startsWith('ssekit:')).toBe(true);
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
const anyText = textFrom([...HARD_PIECES, ...LONE_SURROGATES]);
/** Valid `event` values: the hard cases minus CR and LF ('binary' strings hold no lone surrogate). */
const validEventName = textFrom(HARD_PIECES).map((text) => text.replace(/[\r\n]/g, ''));
/** Valid `id` values: minus NUL too. */
const validId = textFrom(HARD_PIECES).map((text) => text.replace(/[\r\n\0]/g, ''));
const optional = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.option(arbitrary, { nil: undefined, freq: 3 });

const validEvent: fc.Arbitrary<SseEvent> = fc.record({
  data: fc.oneof(anyText, fc.jsonValue({ stringUnit: 'binary', maxDepth: 2 })),
  event: optional(validEventName),
  id: optional(validId),
  retry: optional(fc.maxSafeNat()),
});

/** What the parser must report for a valid event. */
function expectedMessage(event: SseEvent): EventSourceMessage {
  const data = typeof event.data === 'string' ? normalize(event.data) : JSON.stringify(event.data);
  // eventsource-parser reports an empty event type as undefined.
  return { data, event: event.event === '' ? undefined : event.event, id: event.id };
}

describe('formatEvent against the spec parser', () => {
  it('round-trips data, event, id and retry as exactly one event', () => {
    fc.assert(
      fc.property(validEvent, (event) => {
        const block = formatEvent(event);
        // Only LF line endings; every line a known field; one blank line at the end.
        expectThat(!block.includes('\r') && block.endsWith('\n\n'), 'LF-only block ending in a blank line', block);
        for (const line of block.slice(0, -2).split('\n')) {
          expectThat(/^(?:event|id|retry|data): /.test(line), 'a field line', line);
        }
        expectSame(parse(block), {
          events: [expectedMessage(event)],
          retries: event.retry === undefined ? [] : [event.retry],
          comments: [],
          errors: [],
        });
      }),
      params,
    );
  });

  it('dispatches data "" as one event with empty data (the standard does, with or without other fields)', () => {
    expect(parse(formatEvent({ data: '' })).events).toEqual([{ data: '' }]);
    fc.assert(
      fc.property(optional(validEventName), optional(validId), (event, id) => {
        expectSame(parse(formatEvent({ event, id, data: '' })).events, [expectedMessage({ event, id, data: '' })]);
      }),
      params,
    );
  });

  it('dispatches no event for a block without data (id-only, retry-only, event-only)', () => {
    fc.assert(
      fc.property(optional(validEventName), optional(validId), optional(fc.maxSafeNat()), (event, id, retry) => {
        expectSame(parse(formatEvent({ event, id, retry })), {
          events: [],
          retries: retry === undefined ? [] : [retry],
          comments: [],
          errors: [],
        });
      }),
      params,
    );
  });

  it('keeps consecutive events apart: n events in, the same n events out', () => {
    fc.assert(
      fc.property(fc.array(validEvent, { maxLength: 5 }), (events) => {
        const parsed = parse(events.map((event) => formatEvent(event)).join(''));
        expectSame(parsed.events, events.map(expectedMessage));
        expectSame(parsed.errors, []);
      }),
      params,
    );
  });
});

describe('formatEvent: invalid fields always throw', () => {
  it('throws for exactly the event names and ids that cannot be written', () => {
    fc.assert(
      fc.property(optional(anyText), optional(anyText), (event, id) => {
        const valid = (event === undefined || isValidEventName(event)) && (id === undefined || isValidId(id));
        if (valid) {
          expectSame(parse(formatEvent({ event, id, data: 'x' })).events, [expectedMessage({ event, id, data: 'x' })]);
        } else {
          expectInvalidField(() => formatEvent({ event, id, data: 'x' }));
          expectInvalidField(() => encodeEvent({ event, id, data: 'x' }));
        }
      }),
      params,
    );
  });

  it('rejects an event or id with CR or LF anywhere', () => {
    fc.assert(
      fc.property(
        anyText,
        fc.constantFrom('\r', '\n', '\r\n'),
        anyText,
        fc.constantFrom('event', 'id'),
        (before, lineBreak, after, field) => {
          const value = before + lineBreak + after;
          expectInvalidField(() => formatEvent({ [field]: value, data: 'x' }));
          expectInvalidField(() => encodeEvent({ [field]: value, data: 'x' }));
        },
      ),
      params,
    );
  });

  it('rejects an id with NUL anywhere', () => {
    fc.assert(
      fc.property(validId, validId, (before, after) => {
        expectInvalidField(() => formatEvent({ id: `${before}\0${after}` }));
      }),
      params,
    );
  });

  it('rejects an event or id with a lone surrogate anywhere', () => {
    fc.assert(
      fc.property(
        validId,
        fc.constantFrom('\uD800x', '\uDBFFx', 'x\uDC00', 'x\uDFFF'),
        validId,
        fc.constantFrom('event', 'id'),
        (before, lone, after, field) => {
          expectInvalidField(() => formatEvent({ [field]: before + lone + after }));
        },
      ),
      params,
    );
  });

  it('rejects every retry that is not a non-negative safe integer', () => {
    const badRetry = fc.oneof(
      fc.double().filter((retry) => !(Number.isSafeInteger(retry) && retry >= 0)),
      fc.integer({ max: -1 }),
      fc.double({ min: 2 ** 53, noNaN: true }),
    );
    fc.assert(
      fc.property(badRetry, (retry) => {
        expectInvalidField(() => formatEvent({ retry, data: 'x' }));
      }),
      params,
    );
  });
});

describe('formatComment against the spec parser', () => {
  it('never produces an event, a retry or an error, and carries the text line by line', () => {
    fc.assert(
      fc.property(optional(anyText), (text) => {
        const comment = formatComment(text);
        expectThat(!comment.includes('\r') && comment.endsWith('\n'), 'LF-only comment ending in LF', comment);
        for (const line of comment.slice(0, -1).split('\n')) expectThat(line.startsWith(':'), 'a comment line', line);
        const parsed = parse(comment);
        expectSame(
          { ...parsed, comments: parsed.comments.join('\n') },
          {
            events: [],
            retries: [],
            comments: normalize(text ?? ''),
            errors: [],
          },
        );
      }),
      params,
    );
  });

  it('changes no field of the block it sits in, nor the events around it', () => {
    fc.assert(
      fc.property(validEvent, validEvent, optional(anyText), (first, second, text) => {
        const a = formatEvent(first);
        const b = formatEvent(second);
        const without = parse(a + b);
        // Between two events.
        expectSame(parse(a + formatComment(text) + b).events, without.events);
        // Inside a block, after its first field line (event or id when present).
        const cut = b.indexOf('\n') + 1;
        const inside = parse(a + b.slice(0, cut) + formatComment(text) + b.slice(cut));
        expectSame({ ...inside, comments: [] }, { ...without, comments: [] });
        expectSame(without.errors, []);
      }),
      params,
    );
  });
});

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((total, part) => total + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** Decodes `bytes` cut at `cuts` with one streaming TextDecoder, as a client reading a socket does. */
function decodeSplit(bytes: Uint8Array, cuts: readonly number[]): string[] {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const chunks: string[] = [];
  let start = 0;
  for (const cut of [...cuts].sort((x, y) => x - y)) {
    chunks.push(decoder.decode(bytes.subarray(start, cut), { stream: true }));
    start = cut;
  }
  chunks.push(decoder.decode(bytes.subarray(start), { stream: true }));
  chunks.push(decoder.decode());
  return chunks;
}

describe('chunk boundaries', () => {
  // A stream with multi-byte UTF-8 (2, 3 and 4 bytes, a ZWJ sequence), CRLF/CR data, comments,
  // retry, an empty id and empty data.
  const items: ({ comment: string | undefined } | { event: SseEvent })[] = [
    { comment: 'ssekit chunk test 😀' },
    { event: { retry: 2500 } },
    { event: { event: 'grüße', id: 'α-1', data: 'héllo wörld 😀\r\nsecond line\rthird\n' } },
    { comment: 'multi\r\nline comment ✓' },
    { event: { id: '2', data: { family: '👩‍👩‍👧', cjk: '漢字', sep: '\u2028' } } },
    { comment: undefined },
    { event: { data: '' } },
    { event: { event: '€', data: '\uFEFFbom-like start' } },
    { event: { id: '', retry: 0, data: '\r\n\r\n' } },
    { event: { data: ' leading space\r\n\r\ntrailing ' } },
  ];
  const bytes = concat(items.map((item) => ('event' in item ? encodeEvent(item.event) : encodeComment(item.comment))));
  const text = items.map((item) => ('event' in item ? formatEvent(item.event) : formatComment(item.comment))).join('');
  const whole = parseChunks(decodeSplit(bytes, []));

  it('encodes the stream to the UTF-8 of its text, and parses it to the events put in', () => {
    expect(Buffer.from(bytes).toString('hex')).toBe(Buffer.from(text, 'utf8').toString('hex'));
    expect(whole.events).toEqual([
      { event: 'grüße', id: 'α-1', data: 'héllo wörld 😀\nsecond line\nthird\n' },
      { id: '2', data: '{"family":"👩‍👩‍👧","cjk":"漢字","sep":"\u2028"}' },
      { data: '' },
      { event: '€', data: '\uFEFFbom-like start' },
      { id: '', data: '\n\n' },
      { data: ' leading space\n\ntrailing ' },
    ]);
    expect(whole.retries).toEqual([2500, 0]);
    expect(whole.comments).toEqual(['ssekit chunk test 😀', 'multi', 'line comment ✓', '']);
    expect(whole.errors).toEqual([]);
  });

  it('parses the same events when split in two at every byte offset', () => {
    for (let cut = 0; cut <= bytes.length; cut++) {
      expectSame(parseChunks(decodeSplit(bytes, [cut])), whole);
    }
  });

  it('parses the same events when split in three at sampled offset pairs', () => {
    fc.assert(
      fc.property(fc.nat(bytes.length), fc.nat(bytes.length), (first, second) => {
        expectSame(parseChunks(decodeSplit(bytes, [first, second])), whole);
      }),
      params,
    );
  });

  it('parses arbitrary encoded streams the same however they are cut', () => {
    const item = fc.oneof(
      validEvent.map((event) => encodeEvent(event)),
      optional(anyText).map((comment) => encodeComment(comment)),
    );
    fc.assert(
      fc.property(fc.array(item, { maxLength: 6 }), fc.array(fc.nat(), { maxLength: 5 }), (parts, at) => {
        const stream = concat(parts);
        const cuts = at.map((n) => n % (stream.length + 1));
        // A fatal decoder also proves every encoded byte sequence is valid UTF-8.
        expectSame(parseChunks(decodeSplit(stream, cuts)), parseChunks(decodeSplit(stream, [])));
      }),
      params,
    );
  });
});
